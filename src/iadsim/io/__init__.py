"""Reading input files with their source locations kept for error messages."""

from iadsim.io.yamlfile import (
    LocatedValueError,
    LocatedYaml,
    YamlLimits,
    format_path,
    parse_yaml,
    quote,
    read_yaml,
    unwrap_annotation,
    validate,
)

__all__ = ["LocatedValueError", "LocatedYaml", "YamlLimits", "format_path", "parse_yaml", "quote", "read_yaml",
           "unwrap_annotation", "validate"]
