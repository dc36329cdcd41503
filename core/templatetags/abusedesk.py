"""Template helpers: every time leaves the app with its zone printed beside it."""

from datetime import UTC

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.timezones import format_with_zone

register = template.Library()


@register.filter
def when(value):
    """Local time in the active zone with the zone named; UTC in the tooltip."""
    if not value:
        return "—"
    utc = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M:%S"),
        format_with_zone(value, timezone.get_current_timezone()),
    )


@register.filter
def filesize(num):
    """Size in binary units (the exact byte count belongs in a title attribute)."""
    num = float(num or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if num < 1024:
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} TiB"


@register.filter
def has_role(user_roles, role):
    return role in user_roles or "admin" in user_roles
