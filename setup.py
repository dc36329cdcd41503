"""Compiled parsers: the evidence parsers' modules, compiled by Cython from their own Python
source when the install can (about a quarter less CPU per log line or packet).

Everything else about the package is in pyproject.toml. The compiled modules are optional, as
extensions (``optional=True``): without Cython or a C compiler the install goes on and the same
modules run as plain Python, with the same results (``tests/test_parsers_compiled.py`` compares
both). ``ABUSEDESK_PURE_PYTHON=1`` at build time builds none.

Each build also writes the sha256 of the source it compiled beside the extension
(``<extension>.sha256``); ``incidents.parsers.compiled`` imports the source instead of an
extension whose source has changed since, so that an edited checkout never runs old code.

    python setup.py build_ext --inplace    # (re)build in a checkout (`make compiled` does it)
"""

import hashlib
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PARSERS = ROOT / "incidents" / "parsers"
# Every parser module but the packages' __init__, the finder (it must run before any compiled
# module is imported) and the split's part runner (``python -m`` needs its source); the same rule
# as incidents.parsers.compiled.MODULES.
NOT_COMPILED = {"__init__.py", "compiled.py", "part.py"}
COMPILED = sorted(str(path.relative_to(ROOT)) for path in PARSERS.rglob("*.py")
                  if path.name not in NOT_COMPILED)


C_DIR = ROOT / "build" / "cython"  # the generated C stays out of the source tree
# Written in C rather than compiled from Python: the lanes' commonest lines and the offenders'
# aggregation (incidents/parsers/_fastlane.c; incidents.parsers.compiled.native)
NATIVE = Extension("incidents.parsers._fastlane", ["incidents/parsers/_fastlane.c"], optional=True,
                   extra_compile_args=["-O2", "-g0"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def extensions() -> list:
    if os.environ.get("ABUSEDESK_PURE_PYTHON"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("setup.py: Cython is not installed; the parsers run as plain Python")
        return [NATIVE]
    # Cython regenerates a module's C only when the source is newer; each C file's sidecar names
    # the source it came from, so that a source changed under an older time is regenerated too
    # and the stamps below name what was really compiled
    digests = {source: _digest(ROOT / source) for source in COMPILED}
    for source, digest in digests.items():
        c_file = C_DIR / Path(source).with_suffix(".c")
        if c_file.exists() and (not _sidecar(c_file).exists() or _sidecar(c_file).read_text() != digest):
            c_file.unlink()
    modules = cythonize(
        list(COMPILED),
        build_dir=str(C_DIR.relative_to(ROOT)),
        quiet=True,
        # the source as Python means it: annotations are not C types, and functions keep
        # their Python introspection
        compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True},
    )
    for source, digest in digests.items():
        _sidecar(C_DIR / Path(source).with_suffix(".c")).write_text(digest)
    for module in modules:
        module.optional = True  # a failed compile leaves that module as plain Python
        # -O2 without debug symbols: half the compile time of Python's own -O3 -g, and as fast
        # here (the compiled code is mostly calls into the interpreter)
        module.extra_compile_args = ["-O2", "-g0"]
    return [*modules, NATIVE]


class BuildWithStamps(build_ext):
    """build_ext that writes, beside each extension, the sha256 of the source its C came from,
    wherever the extension goes: the build folder, and the checkout for an in-place or editable
    build (``incidents.parsers.compiled`` reads it)."""

    def build_extension(self, ext):
        super().build_extension(ext)  # raises if the compile failed: no stamp then
        source = ROOT / ext.sources[0]
        digest = _digest(source) if ext is NATIVE else _sidecar(source).read_text()
        built = Path(self.get_ext_fullpath(ext.name))
        _sidecar(built).write_text(digest + "\n")
        self._built = {**getattr(self, "_built", {}), ext.name: (built.name, digest)}

    def copy_extensions_to_source(self):
        super().copy_extensions_to_source()
        for name, (filename, digest) in getattr(self, "_built", {}).items():
            in_place = ROOT.joinpath(*name.split(".")[:-1], filename)
            if in_place.exists():
                _sidecar(in_place).write_text(digest + "\n")


if __name__ == "__main__":  # as pip's build backend and `python setup.py` run it; a test reads COMPILED
    setup(
        ext_modules=extensions(),
        cmdclass={"build_ext": BuildWithStamps},
        options={"build_ext": {"parallel": os.cpu_count() or 1}},
    )
