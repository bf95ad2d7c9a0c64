"""iadsim.geo."""
