"""One decision: ``check``, ``status`` and ``build`` agree on every locale x article.

Each case edits warning units of a real PO file on a copy of the project and runs the
real command line: ``check`` fails exactly when ``build`` withholds the locale, and
``status`` calls it publishable exactly when its page is in ``dist/``. The build's
read-back of each page (``pipeline.verify``) is a second line of defence only: it must
never be what withholds a locale.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.pofile import read_po, render_po

from .conftest import PROJECT_PARTS, REPO

ARTICLE = "numbness-of-the-legs"
LEAD = "symptoms/seek-immediate-help"
FLAGS = [
    f"{LEAD}/{flag}"
    for flag in (
        "shortness-of-breath",
        "dizziness",
        "loss-of-coordination",
        "loss-of-speech",
        "fatigue",
        "loss-of-vision",
    )
]
WARNING_UNITS = [
    LEAD,
    *FLAGS,
    "treatment/see-a-doctor",
    "complications/untreated-complications",
]
LOCALES = ["es", "ar", "zh_Hans"]
BCP47 = {"es": "es", "ar": "ar", "zh_Hans": "zh-Hans"}

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _one_process_no_cache() -> Iterator[None]:
    """Every command decides from scratch, in this process (faster for small projects)."""
    saved = {k: os.environ.get(k) for k in ("CARELOC_JOBS", "CARELOC_NO_CACHE")}
    os.environ.update(CARELOC_JOBS="1", CARELOC_NO_CACHE="1")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def po_path(root: Path, code: str) -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po"


def entry(catalog: Catalog, key: str) -> Message:
    return next(m for m in catalog if m.context == key)


def outcome(root: Path, run: Run, code: str) -> tuple[bool, bool, bool, list[str]]:
    """(check passes, status says publishable, build published the page, build reasons)."""
    check, out, err = run(root, "check", "--locale", code)
    assert check in (0, 1), err
    assert "Traceback" not in out + err
    status_code, status, err = run(root, "status", "--locale", code, "--format", "json")
    assert status_code == 0, err
    (locale,) = json.loads(status)["locales"]
    (article,) = locale["articles"]
    dist = root / "dist"
    build, _, err = run(root, "build", "--locale", code, "--out", str(dist))
    assert build in (0, 1), err
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    reasons = manifest["locales"][BCP47[code]]["reasons"]
    page = (dist / BCP47[code] / f"{ARTICLE}.html").exists()
    assert build == check, (check, build, reasons)
    return check == 0, article["publishable"], page, reasons


def assert_agree(root: Path, run: Run, code: str) -> bool:
    passes, publishable, page, reasons = outcome(root, run, code)
    assert passes == publishable == page, (passes, publishable, page, reasons)
    # A page withheld only by the read-back is a problem `check` did not report.
    assert not any("verification:" in r for r in reasons), reasons
    return passes


# -- every warning part, each blank translation ------------------------------------------------
BLANKS = {
    "period": ".",
    "ellipsis": "…",
    "no-break space": "\u00a0",
    "whitespace": " \t ",
    "zero-width only": "\u200b\u200d\u2060",
}


@pytest.mark.slow  # every blank in every warning part
@pytest.mark.parametrize("key", WARNING_UNITS)
@pytest.mark.parametrize("blank", list(BLANKS))
def test_blank_warning_part_is_untranslated_everywhere(
    project_copy: Path, run: Run, key: str, blank: str
) -> None:
    path = po_path(project_copy, "es")
    catalog = read_po(path.read_bytes(), str(path))
    entry(catalog, key).string = BLANKS[blank]
    path.write_bytes(render_po(catalog))
    code, out, _ = run(project_copy, "check", "--locale", "es", "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert any(f["code"] == "untranslated" and f"'{key}'" in f["message"] for f in findings)
    assert not assert_agree(project_copy, run, "es")


# -- random mutations of warning units ----------------------------------------------------------
_CYRILLIC = str.maketrans("aeopcxyAEOPCXH", "аеорсхуАЕОРСХН")
_WORD = {"es": "ahora", "ar": "فورًا", "zh_Hans": "立即"}
"""A word of each language ("now") that keeps a translation a translation."""


def _english_of_other(catalog: Catalog, key: str, draw: st.DrawFn, _: str) -> str:
    others = [m.id for m in catalog if m.id and m.context != key]
    return draw(st.sampled_from(others))


def _duplicate_red_flag(catalog: Catalog, key: str, draw: st.DrawFn, _: str) -> str:
    """The translation of another red flag with a period: "fatiga" and "fatiga."."""
    other = draw(st.sampled_from([f for f in FLAGS if f != key]))
    return str(entry(catalog, other).string) + "."


MUTATIONS: dict[str, Callable[[Catalog, str, st.DrawFn, str], str]] = {
    # name: (catalog, unit key, draw, locale) -> the entry's new translation
    "keep": lambda c, k, d, loc: str(entry(c, k).string),
    "period": lambda c, k, d, loc: ".",
    "ellipsis": lambda c, k, d, loc: "…",
    "hyphen": lambda c, k, d, loc: "-",
    "no-break space": lambda c, k, d, loc: "\u00a0",
    "whitespace": lambda c, k, d, loc: d(st.sampled_from([" ", "\t", "\n", "\u2003 \u3000"])),
    "zero-width only": lambda c, k, d, loc: "\u200b\ufeff",
    "hangul filler": lambda c, k, d, loc: "\u3164",
    "soft hyphen": lambda c, k, d, loc: "\u00ad",
    "braille blank": lambda c, k, d, loc: "\u2800",
    "combining marks only": lambda c, k, d, loc: "\u0301\u0308",
    "comment": lambda c, k, d, loc: "<!-- -->",
    "control character": lambda c, k, d, loc: d(st.sampled_from(["\x01", "\x7f", "\x1b"])),
    "English": lambda c, k, d, loc: str(entry(c, k).id),
    "English of another unit": _english_of_other,
    "English with Cyrillic look-alikes": lambda c, k, d, loc: str(entry(c, k).id).translate(
        _CYRILLIC
    ),
    "English minus its final period": lambda c, k, d, loc: str(entry(c, k).id).rstrip("."),
    "red flag repeated with a period": _duplicate_red_flag,
    "emptied": lambda c, k, d, loc: "",
    "a word added": lambda c, k, d, loc: f"{entry(c, k).string} {_WORD[loc]}",
}


def _fuzzy(catalog: Catalog, key: str) -> None:
    entry(catalog, key).flags.add("fuzzy")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for part in PROJECT_PARTS:
        shutil.copytree(REPO / part, root / part)
    return root


@settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.slow  # 200 mutations per locale
@pytest.mark.parametrize("code", LOCALES)
def test_check_status_and_build_agree_on_mutated_warnings(
    project: Path, run: Run, code: str, data: st.DataObject
) -> None:
    """70 random examples per locale (210 in all): one to three warning units changed."""
    path = po_path(project, code)
    original = (REPO / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po").read_bytes()
    catalog = read_po(original, str(path))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        key = data.draw(st.sampled_from(WARNING_UNITS), label="unit")
        name = data.draw(st.sampled_from([*MUTATIONS, "fuzzy"]), label="mutation")
        if name == "fuzzy":
            _fuzzy(catalog, key)
            continue
        if name == "red flag repeated with a period" and key not in FLAGS:
            key = FLAGS[0]
        entry(catalog, key).string = MUTATIONS[name](catalog, key, data.draw, code)
    path.write_bytes(render_po(catalog))
    shutil.rmtree(project / "dist", ignore_errors=True)
    assert_agree(project, run, code)
