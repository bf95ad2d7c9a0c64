"""iadsim.tracking."""
