"""``Finding.unit``: every finding about one unit says which (its msgctxt), the cache
keeps it, and ``careloc review`` refuses a unit for its own findings only."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import cache as cache_mod
from pipeline import parallel
from pipeline.codes import CODES, Stage
from pipeline.errors import ContentError
from pipeline.gate import evaluate_all
from pipeline.model import Finding
from pipeline.project import Project
from pipeline.signing import sign
from tests.test_meaning import add_second_article
from tests.test_review import EMERGENCY, LEAD, Run, edit_po, require_review, set_entry

DIZZINESS = f"symptoms/{EMERGENCY}/dizziness"
FATIGUE = f"symptoms/{EMERGENCY}/fatigue"
ABOUT_A_UNIT = {Stage.ENTRY, Stage.MEANING}
"""Stages whose every finding is about one unit."""
ALSO_ABOUT_A_UNIT = {"item-count", "review-missing", "review-stale"}


def break_units(root: Path) -> None:
    """Units broken in many ways, in two locales; the two Arabic red flags each quote the
    other's msgctxt as their (wrong-script) translation."""
    edit_po(root, "es", set_entry(LEAD, fuzzy=True))
    edit_po(root, "es", set_entry("title", string=""))
    edit_po(root, "es", set_entry(FATIGUE, string="mareo"))  # a repeated item
    edit_po(root, "ar", set_entry(DIZZINESS, string=f"'{FATIGUE}'"))
    edit_po(root, "ar", set_entry(FATIGUE, string=f"'{DIZZINESS}'"))
    require_review(root, "fr")


def check_unit(finding: Finding) -> None:
    if CODES[finding.code].stage in ABOUT_A_UNIT or finding.code in ALSO_ABOUT_A_UNIT:
        assert finding.unit is not None, finding
    if finding.unit is not None:
        # The message names the unit it is about (the lead, for a warning's red flags).
        assert f"'{finding.unit}'" in finding.message or f"--unit {finding.unit}" in (
            finding.message
        ), finding
    if CODES[finding.code].stage is Stage.CATALOG:
        assert finding.unit is None, finding


def test_every_finding_about_a_unit_carries_it_cold_and_cached(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_second_article(project_copy, run)
    break_units(project_copy)
    other = project_copy / "locales" / "es" / "LC_MESSAGES" / "numbness-of-the-arms.po"
    other.write_text(
        other.read_text(encoding="utf-8").replace('msgstr "mareo"', 'msgstr "mareos"'),
        encoding="utf-8",
    )
    monkeypatch.setenv(parallel.ENV_JOBS, "1")
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    cold = [f for v in evaluate_all(Project(project_copy).load()) for f in v.findings]
    warm = [f for v in evaluate_all(Project(project_copy).load()) for f in v.findings]
    monkeypatch.setenv(cache_mod.ENV_NO_CACHE, "1")
    uncached = [f for v in evaluate_all(Project(project_copy).load()) for f in v.findings]
    assert cold == warm == uncached  # dataclass equality: the unit too
    assert any(f.unit is not None for f in warm)
    for finding in cold:
        check_unit(finding)
    about = {(f.locale, f.code, f.unit) for f in cold}
    assert {
        ("es", "fuzzy", LEAD),
        ("es", "untranslated", "title"),
        ("es", "item-count", f"symptoms/{EMERGENCY}"),
        ("es", "inconsistent", DIZZINESS),
        ("ar", "wrong-script", DIZZINESS),
        ("ar", "wrong-script", FATIGUE),
        ("fr", "review-missing", LEAD),
    } <= about, sorted(about, key=str)


def test_signing_refuses_a_unit_for_its_own_findings_only(project_copy: Path) -> None:
    # Each Arabic red flag's wrong-script finding quotes the other's msgctxt.
    break_units(project_copy)
    project = Project(project_copy).load()
    for unit, other in ((DIZZINESS, FATIGUE), (FATIGUE, DIZZINESS)):
        with pytest.raises(ContentError) as caught:
            sign(project, "ar", "Dr. A", selectors=[unit])
        refusals = caught.value.findings
        assert {f.code for f in refusals} == {"review-refused"}, refusals
        assert {f.unit for f in refusals} == {unit}, refusals
        # Its own wrong-script finding (which quotes the other unit's key) and its own
        # glossary-term one; never the other unit's, which quotes this unit's key.
        assert sorted(f.message.split("] ", 1)[0] for f in refusals) == [
            f"cannot sign off '{unit}': [glossary-term",
            f"cannot sign off '{unit}': [wrong-script",
        ], refusals
        assert all(f"warning unit '{unit}': " in f.message for f in refusals), refusals
        assert any(f"'{other}'" in f.message for f in refusals)
    with pytest.raises(ContentError) as caught:
        sign(project, "ar", "Dr. A", selectors=[DIZZINESS, FATIGUE])
    assert sorted(f.unit or "" for f in caught.value.findings) == [DIZZINESS] * 2 + [FATIGUE] * 2
    assert not (project_copy / "locales" / "ar" / "reviews.yaml").exists()
