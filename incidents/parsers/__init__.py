"""Evidence parsers: one module per family of formats, all behind this registry.

``parse_stream`` detects the format from the content (never the file name), reads in bounded
memory and returns a ``ParseOutcome``; nothing here touches the database. ``split.parse_file``
reads a large plain local file in several processes with the same outcome.
"""

from . import compiled

compiled.install()  # before any module it may compile is imported

from .base import Kind, LineFormat, ParseContext, Record, StreamFormat  # noqa: E402
from .registry import (  # noqa: E402
    ParseOutcome,
    UnknownFormat,
    format_names,
    parse_path,
    parse_stream,
    register,
)

__all__ = [
    "Kind", "LineFormat", "ParseContext", "ParseOutcome", "Record", "StreamFormat",
    "UnknownFormat", "format_names", "parse_path", "parse_stream", "register",
]
