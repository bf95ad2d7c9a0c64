"""iadsim.coverage."""
