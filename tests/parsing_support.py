"""Helpers for the parsers' acceptance tests over the real-world samples in ../shared/data."""

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from incidents.parsers import ParseContext, parse_path


def sample_dir(sub: str) -> Path:
    """The samples folder; skipped with a reason when absent, but never under CI."""
    folder = Path(settings.SAMPLE_DATA_DIR) / sub
    if not folder.is_dir():
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"CI must have the sample data, but {folder} is missing")
        pytest.skip(f"sample data folder {folder} is absent (set ABUSEDESK_SAMPLE_DATA)")
    return folder


def samples(sub: str, pattern: str) -> list[Path]:
    folder = Path(settings.SAMPLE_DATA_DIR) / sub
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def parse_sample(path: Path, *, tz: str = "UTC", reference: datetime | None = None, fmt=None):
    ctx = ParseContext(tz=ZoneInfo(tz), reference=reference or datetime.now(UTC))
    return parse_path(path, fmt=fmt, ctx=ctx)


def recall_precision(name: str, expected: set, found: set) -> tuple[float, float]:
    """Print and return recall and precision of ``found`` against ``expected``."""
    hit = len(expected & found)
    recall = hit / len(expected) if expected else 1.0
    precision = hit / len(found) if found else (1.0 if not expected else 0.0)
    print(f"{name}: recall {recall:.1%} ({hit}/{len(expected)}), "
          f"precision {precision:.1%} ({hit}/{len(found)})")
    return recall, precision
