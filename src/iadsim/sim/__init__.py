"""iadsim.sim."""
