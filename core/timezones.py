"""Time zone helpers: UTC in the database, the user's IANA zone at the edges."""

import zoneinfo
from datetime import datetime
from functools import cache

from django.core.exceptions import ValidationError


@cache
def available_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_zone(name: str) -> None:
    """Refuse anything that is not an IANA zone name, with a message an admin can act on."""
    if name not in available_zones():
        raise ValidationError(
            "Unknown time zone %(zone)s: use an IANA name such as Europe/Berlin or UTC.",
            params={"zone": repr(name)},
            code="unknown_zone",
        )


def format_with_zone(value: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """'2026-11-24 23:34 CET (UTC+01:00, Europe/Berlin)': the zone is always printed."""
    local = value.astimezone(zone)
    if zone.key in ("UTC", "Etc/UTC"):
        return f"{local:%Y-%m-%d %H:%M} UTC"
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({offset}, {zone.key})"
