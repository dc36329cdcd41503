"""Writing the audit trail. Every domain action records one Event through ``audit_record``."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from .models import Event


def plain(value):
    """A JSON-safe rendering of a field value for the before/after columns."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(instance: models.Model, fields) -> dict:
    return {name: plain(getattr(instance, name)) for name in fields}


def audit_record(*, actor, action: str, obj: models.Model, summary: str, incident=None,
                 before: dict | None = None, after: dict | None = None) -> Event:
    return Event.objects.create(
        incident=incident,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        summary=summary[:300],
        before=before,
        after=after,
    )
