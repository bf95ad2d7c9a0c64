"""iadsim.world."""
