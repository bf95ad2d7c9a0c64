"""iadsim.engagement."""
