"""Importing this package registers every format. Order matters for line formats: the most
specific are tried first, the generic fallback last."""

# isort: skip_file
from . import auth, services, firewall, ids, zeek, pcap, evtx, windows_xml, weblog, generic  # noqa: F401
