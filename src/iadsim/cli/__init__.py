"""iadsim.cli."""
