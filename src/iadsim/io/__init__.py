"""Reading input files with their source locations kept for error messages."""

from iadsim.io.yamlfile import LocatedYaml, format_path, parse_yaml, read_yaml, validate

__all__ = ["LocatedYaml", "format_path", "parse_yaml", "read_yaml", "validate"]
