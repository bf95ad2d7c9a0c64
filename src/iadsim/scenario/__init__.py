"""iadsim.scenario."""
