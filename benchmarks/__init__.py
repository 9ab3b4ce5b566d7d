"""Benchmarks: a synthetic corpus generator, and a runner that times careloc against
GNU gettext and pybabel on it."""
