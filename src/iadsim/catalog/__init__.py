"""iadsim.catalog."""
