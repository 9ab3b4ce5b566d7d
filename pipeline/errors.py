"""The exceptions careloc raises when it cannot continue.

Problems that can be reported and worked past are ``Finding`` values (see
``pipeline.model``); exceptions are only for "cannot continue", and they always
carry the findings that explain why, each with its file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.model import Finding

__all__ = ["CarelocError", "ContentError", "UsageError"]


class CarelocError(Exception):
    """Base class of every error careloc raises on purpose."""

    exit_code = 1

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = list(findings)
        super().__init__("\n".join(f.format() for f in self.findings))


class ContentError(CarelocError):
    """Source, configuration or catalog content is invalid; exit code 1."""


class UsageError(CarelocError):
    """The command line asked for something that does not exist; exit code 2."""

    exit_code = 2
