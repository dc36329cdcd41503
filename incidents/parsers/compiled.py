"""Which parser modules run compiled: an extension built by Cython from the module's own source
(``setup.py``) is imported only while that source is unchanged.

Python prefers an extension module to the source beside it, so a checkout whose parsers were
edited after the last build would quietly run the old code. Each build writes the sha256 of the
source it compiled beside the extension (``<extension>.sha256``); the finder installed here
imports the source instead whenever that digest is missing or differs, or when the environment
sets ``ABUSEDESK_PURE_PYTHON`` (to compare, or to rule the compiled code out). ``status()`` says
what each module runs as.
"""

import hashlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PURE_ENV = "ABUSEDESK_PURE_PYTHON"
# setup.py's COMPILED, as module names: every module of this package and its subpackages but the
# packages' __init__, this finder and the split's part runner (run with ``python -m``)
NOT_COMPILED = frozenset({"__init__.py", "compiled.py", "part.py"})
MODULES = frozenset(
    "incidents." + ".".join(path.relative_to(Path(__file__).parent.parent).with_suffix("").parts)
    for path in Path(__file__).parent.rglob("*.py") if path.name not in NOT_COMPILED
)

_status: dict[str, str] = {}


def stamp_path(extension: Path) -> Path:
    return extension.with_name(extension.name + ".sha256")


def built_from(source: Path, extension: Path) -> bool:
    """Whether ``extension`` was compiled from ``source`` as it is now."""
    try:
        stamp = stamp_path(extension).read_text().strip()
        return stamp == hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        return False


class _SourceUnlessCurrent:
    """A meta path finder for ``MODULES``: the compiled module when it is current, else the source."""

    def find_spec(self, name, path=None, target=None):
        if name not in MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            if spec is not None:
                _status[name] = "source (not compiled)"
            return spec
        extension = Path(spec.origin)
        source = extension.with_name(name.rpartition(".")[2] + ".py")
        if not source.exists():
            _status[name] = "compiled"  # an install that ships no source: nothing to compare with
            return spec
        if os.environ.get(PURE_ENV):
            why = f"source ({PURE_ENV} is set)"
        elif not built_from(source, extension):
            why = "source (compiled from another version of its source: rebuild with `make compiled`)"
            log.warning("%s: %s", name, why)
        else:
            _status[name] = "compiled"
            return spec
        _status[name] = why
        return importlib.util.spec_from_file_location(name, source)


def install() -> None:
    """Put the finder first (once); call before any of ``MODULES`` is imported."""
    if not any(isinstance(finder, _SourceUnlessCurrent) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceUnlessCurrent())


NATIVE = "incidents.parsers._fastlane"  # written in C (``_fastlane.c``), not compiled from Python
_native: list = []  # [the module or None], once looked for


def native():
    """The C module ``_fastlane`` when it was built from its source as it is now (and
    ``ABUSEDESK_PURE_PYTHON`` is not set), else None: the Python lanes and aggregation then do its
    work, with the same results."""
    if _native:
        return _native[0]
    module = None
    spec = importlib.machinery.PathFinder.find_spec(NATIVE.rpartition(".")[2], [str(Path(__file__).parent)])
    if os.environ.get(PURE_ENV):
        _status[NATIVE] = f"not used ({PURE_ENV} is set)"
    elif spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        _status[NATIVE] = "not built (plain Python instead)"
    elif not built_from(Path(spec.origin).with_name("_fastlane.c"), Path(spec.origin)):
        _status[NATIVE] = "not used (built from another version of _fastlane.c: rebuild with `make compiled`)"
        log.warning("%s: %s", NATIVE, _status[NATIVE])
    else:
        module = importlib.import_module(NATIVE)
        _status[NATIVE] = "compiled"
    _native.append(module)
    return module


def status() -> dict[str, str]:
    """Each compiled-capable module imported so far -> ``"compiled"`` or ``"source (why)"``."""
    return dict(sorted(_status.items()))


def all_compiled() -> bool:
    return bool(_status) and all(value == "compiled" for value in _status.values())
