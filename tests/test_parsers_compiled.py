"""The compiled parsers (``setup.py``, ``incidents/parsers/compiled.py``): built from the same source,
used only while that source is unchanged, and reading everything exactly as plain Python does."""

import hashlib
import importlib.machinery
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from incidents.parsers import compiled, format_names
from incidents.parsers import split as _split  # noqa: F401  (one of the compiled modules)

from .parsing_support import sample_dir
from .test_parsers_lanes import busy_log

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_every_parser_module_runs_compiled_where_a_compiler_is_installed():
    if os.environ.get(compiled.PURE_ENV):
        pytest.skip(f"{compiled.PURE_ENV} is set: the parsers run as plain Python on purpose")
    if shutil.which("cc") is None:
        pytest.skip("no C compiler: the parsers run as plain Python (setup.py)")
    format_names()  # imports every format module
    compiled.native()
    assert compiled.status() == dict.fromkeys(sorted(compiled.MODULES | {compiled.NATIVE}), "compiled")
    assert compiled.all_compiled()


def test_setup_compiles_exactly_the_modules_the_finder_knows():
    listed = runpy.run_path(str(ROOT / "setup.py"), run_name="listing")["COMPILED"]
    assert {path.removesuffix(".py").replace("/", ".") for path in listed} == compiled.MODULES
    assert {"incidents.parsers.lanes", "incidents.parsers.formats.pcap"} <= compiled.MODULES
    assert not {"incidents.parsers.compiled", "incidents.parsers.part"} & compiled.MODULES


def _package(tmp_path: Path, stamp: str | None) -> tuple[Path, str]:
    """A module ``lanes`` as source and as a (pretend) extension, with the extension's stamp."""
    source = tmp_path / "lanes.py"
    source.write_text("WHERE = 'source'\n")
    extension = tmp_path / f"lanes{SUFFIX}"
    extension.write_bytes(b"pretend this is the compiled module")
    if stamp is not None:
        compiled.stamp_path(extension).write_text(stamp + "\n")
    return source, hashlib.sha256(source.read_bytes()).hexdigest()


def _found(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(compiled, "MODULES", frozenset({"fake.lanes"}))
    monkeypatch.setattr(compiled, "_status", {})
    spec = compiled._SourceUnlessCurrent().find_spec("fake.lanes", [str(tmp_path)])
    return spec, compiled.status()["fake.lanes"]


def test_an_extension_compiled_from_the_source_as_it_is_is_imported(tmp_path, monkeypatch):
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    _source, digest = _package(tmp_path, None)
    compiled.stamp_path(tmp_path / f"lanes{SUFFIX}").write_text(digest)
    spec, status = _found(tmp_path, monkeypatch)
    assert isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)
    assert spec.origin == str(tmp_path / f"lanes{SUFFIX}")
    assert status == "compiled"


def test_an_extension_compiled_from_an_older_source_is_passed_over_for_the_source(tmp_path, monkeypatch):
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    _package(tmp_path, hashlib.sha256(b"WHERE = 'the source before it was edited'\n").hexdigest())
    spec, status = _found(tmp_path, monkeypatch)
    assert isinstance(spec.loader, importlib.machinery.SourceFileLoader)
    assert spec.origin == str(tmp_path / "lanes.py")
    assert "another version of its source" in status


def test_an_extension_without_its_stamp_is_passed_over_for_the_source(tmp_path, monkeypatch):
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    _package(tmp_path, None)
    spec, status = _found(tmp_path, monkeypatch)
    assert spec.origin == str(tmp_path / "lanes.py")
    assert status.startswith("source")


def test_the_pure_python_setting_passes_over_a_current_extension(tmp_path, monkeypatch):
    _source, digest = _package(tmp_path, None)
    compiled.stamp_path(tmp_path / f"lanes{SUFFIX}").write_text(digest)
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    spec, status = _found(tmp_path, monkeypatch)
    assert spec.origin == str(tmp_path / "lanes.py")
    assert status == f"source ({compiled.PURE_ENV} is set)"


def test_modules_it_does_not_compile_are_left_to_python():
    # part.py is found by the usual finders (given its package's path); this finder stays out of it
    parsers = str(ROOT / "incidents" / "parsers")
    assert importlib.machinery.PathFinder.find_spec("incidents.parsers.part", [parsers]) is not None
    assert compiled._SourceUnlessCurrent().find_spec("incidents.parsers.part", [parsers]) is None


# Parses each file given and prints {file: sha256 of the outcome's JSON} and the modules' status.
_DIGESTS = """
import hashlib, json, sys
from datetime import datetime, UTC
from zoneinfo import ZoneInfo
from incidents.parsers import ParseContext, compiled, format_names, parse_path, split
format_names()
out = {}
for path in sys.argv[1:]:
    ctx = ParseContext(tz=ZoneInfo("Europe/Berlin"), reference=datetime(2024, 12, 31, 12, tzinfo=UTC))
    parsed = parse_path(path, ctx=ctx)
    found = parsed.as_json()
    found["formats_seen"], found["errors_total"] = parsed.formats_seen, parsed.errors_total
    out[path] = hashlib.sha256(json.dumps(found, sort_keys=True, default=str).encode()).hexdigest()
print(json.dumps({"digests": out, "status": compiled.status()}))
"""


def _digests(files: list[Path], *, pure: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
    if pure:
        env[compiled.PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", _DIGESTS, *map(str, files)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout)


def test_compiled_and_plain_python_parsers_read_every_sample_alike(tmp_path):
    format_names()
    if not compiled.all_compiled():
        pytest.skip(f"the parsers are not compiled here: {compiled.status()}")
    data = Path(settings.SAMPLE_DATA_DIR)
    sample_dir("logs_fail2ban")
    files = sorted(p for sub in ("logs_fail2ban", "firewall_ids", "pcap", "evtx")
                   for p in (data / sub).rglob("*") if p.is_file())
    for n, share in enumerate((0.0, 0.5)):
        busy = tmp_path / f"busy-{n}.log"
        busy.write_bytes(busy_log(20_000, seed=11 + n, rfc3339=share))
        files.append(busy)
    assert len(files) > 100

    as_compiled, as_python = _digests(files, pure=False), _digests(files, pure=True)

    assert set(as_compiled["status"].values()) == {"compiled"}
    assert all(value.startswith("source") for name, value in as_python["status"].items()
               if name != compiled.NATIVE)
    assert as_python["status"][compiled.NATIVE] == f"not used ({compiled.PURE_ENV} is set)"
    assert as_python["status"].keys() == as_compiled["status"].keys() == compiled.MODULES | {compiled.NATIVE}
    differ = [name for name, digest in as_compiled["digests"].items() if as_python["digests"][name] != digest]
    assert differ == []
    assert len(as_compiled["digests"]) == len(files)
