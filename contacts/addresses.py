"""Model-free address helpers: a sortable key so that "start <= ip <= end" is one index scan."""

import ipaddress


def sort_key(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """32 hex digits, IPv4 mapped into ::ffff:0:0/96, so both families sort in one column.

    Strings compare like the numbers they encode on SQLite and PostgreSQL alike.
    """
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if addr.version == 4:
        addr = ipaddress.IPv6Address(f"::ffff:{addr}")
    return f"{int(addr):032x}"
