"""The optional C send loop: built where a compiler and Python's headers exist, skipped (never failing the
install) where they don't; the server then uses the pure-Python path. Everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("tornado_timer.server._speedups", ["tornado_timer/server/_speedups.c"],
                             extra_compile_args=["-O2"], optional=True)])
