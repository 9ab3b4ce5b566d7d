"""Reports for people and machines: findings as text, JSON or GitHub annotations; status.

Pure functions from results to text; the command line prints what they return.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from pipeline.dashboard import render_dashboard
from pipeline.gate import CheckResult, Verdict
from pipeline.model import Finding
from pipeline.review import review_counts

FINDING_FORMATS = ("text", "json", "github")
STATUS_FORMATS = ("text", "json", "html")


# -- findings -----------------------------------------------------------------------------
def findings_text(findings: Iterable[Finding]) -> str:
    """One ``path:line: severity: [code] message`` line per finding."""
    return "".join(f"{finding.format()}\n" for finding in findings)


def check_summary(result: CheckResult) -> dict[str, object]:
    """Counts, whether the run passed, and the gate's verdict per locale x article."""
    findings = result.findings
    return {
        "errors": sum(1 for f in findings if f.is_error),
        "warnings": sum(1 for f in findings if not f.is_error),
        "blocking": len(result.blocking),
        "ok": result.ok,
        "verdicts": [
            {
                "locale": v.locale,
                "article": v.article.id,
                "status": v.policy.status,
                "warnings_ok": v.warnings_ok,
                "publishable": v.publishable,
                "reasons": list(v.reasons),
            }
            for v in result.verdicts
        ],
    }


def findings_json(result: CheckResult) -> str:
    """``{"findings": [...], "summary": {...}}`` (SPEC §6)."""
    document = {
        "findings": [f.as_dict() for f in result.findings],
        "summary": check_summary(result),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding, *, blocking: bool = True) -> str:
    """A GitHub Actions workflow command (``::error file=F,line=N,title=[code]::message``).

    An error that does not fail the run (a draft locale's) is annotated as a warning,
    so the pull request does not show red marks on a green check."""
    level = "error" if finding.is_error and blocking else "warning"
    message = finding.message
    if finding.is_error and not blocking:
        message = f"{message} (draft locale {finding.locale}: reported, does not fail)"
    properties = []
    if finding.location is not None:
        properties.append(f"file={_escape_property(finding.location.path)}")
        if finding.location.line is not None:
            properties.append(f"line={finding.location.line}")
    properties.append(f"title={_escape_property(f'[{finding.code}]')}")
    return f"::{level} {','.join(properties)}::{_escape_data(message)}"


def findings_github(result: CheckResult) -> str:
    return "".join(
        github_annotation(f, blocking=result.is_blocking(f)) + "\n" for f in result.findings
    )


def format_check(result: CheckResult, fmt: str) -> str:
    """The report of ``careloc check`` in ``fmt`` (one of ``FINDING_FORMATS``)."""
    if fmt == "json":
        return findings_json(result)
    if fmt == "github":
        return findings_github(result)
    return findings_text(result.findings)


def check_summary_line(result: CheckResult) -> str:
    """One line for people: counts, and which locales are withheld."""
    summary = check_summary(result)
    parts = [f"{summary['errors']} error(s), {summary['warnings']} warning(s)"]
    if result.source_findings:
        parts.append("the source is invalid")
    withheld = _withheld(result.verdicts)
    if withheld:
        parts.append("not publishable: " + ", ".join(withheld))
    elif result.verdicts:
        parts.append("every locale is publishable")
    verdict = "ok" if result.ok else "FAILED"
    return f"careloc check: {verdict}: " + "; ".join(parts)


def _withheld(verdicts: Sequence[Verdict]) -> list[str]:
    """Withheld locales: "fr (published)", or "fr/<article> (published)" if several articles."""
    several = len({v.article.id for v in verdicts}) > 1
    names: list[str] = []
    for v in verdicts:
        if v.publishable:
            continue
        where = f"{v.locale}/{v.article.id}" if several else v.locale
        name = f"{where} ({v.policy.status})"
        if name not in names:
            names.append(name)
    return names


# -- status -------------------------------------------------------------------------------
def status_data(verdicts: Sequence[Verdict]) -> dict[str, object]:
    """SPEC §6: ``{"locales": [{"locale", "status", "articles": [{counts, warnings_ok,
    publishable}]}]}``, locales in the order of ``verdicts``."""
    locales: list[dict[str, object]] = []
    by_locale: dict[str, list[dict[str, object]]] = {}
    for v in verdicts:
        if v.locale not in by_locale:
            by_locale[v.locale] = []
            locales.append(
                {"locale": v.locale, "status": v.policy.status, "articles": by_locale[v.locale]}
            )
        by_locale[v.locale].append(
            {
                "article": v.article.id,
                "total": v.stats.total,
                "translated": v.stats.translated,
                "fuzzy": v.stats.fuzzy,
                "untranslated": v.stats.untranslated,
                "obsolete": v.stats.obsolete,
                "warnings_ok": v.warnings_ok,
                "publishable": v.publishable,
                "review": {
                    **review_counts(v.article, v.reviews).as_dict(),
                    "required": v.policy.require_review,
                },
                "same_as_source": list(v.same_as_source),
            }
        )
    return {"locales": locales}


def status_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps(status_data(verdicts), ensure_ascii=False, indent=2) + "\n"


STATUS_COLUMNS = (
    "locale",
    "status",
    "article",
    "total",
    "translated",
    "fuzzy",
    "untranslated",
    "obsolete",
    "review",
    "warnings",
    "publishable",
)


def status_text(verdicts: Sequence[Verdict]) -> str:
    """An aligned table, one row per locale x article; numbers right-aligned."""
    rows = [
        (
            v.locale,
            v.policy.status,
            v.article.id,
            str(v.stats.total),
            str(v.stats.translated),
            str(v.stats.fuzzy),
            str(v.stats.untranslated),
            str(v.stats.obsolete),
            _review_cell(v),
            "ok" if v.warnings_ok else "FAIL",
            "yes" if v.publishable else "no",
        )
        for v in verdicts
    ]
    table = [STATUS_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(STATUS_COLUMNS))]
    numeric = {3, 4, 5, 6, 7}
    lines = []
    for row in table:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n" + _waivers_text(verdicts)


def _waivers_text(verdicts: Sequence[Verdict]) -> str:
    """The ``# careloc: same-as-source`` confirmations in force: units published
    identical to the English on the translator's word, one line per locale x article."""
    lines = [
        f"same as the English, confirmed by the translator ({v.locale}, {v.article.id}): "
        + ", ".join(v.same_as_source)
        for v in verdicts
        if v.same_as_source
    ]
    return "".join(f"\n{line}\n" if i == 0 else f"{line}\n" for i, line in enumerate(lines))


def _review_cell(v: Verdict) -> str:
    """``7/9 reviewed, 2 stale (required)``: the clinician sign-offs of the warning units."""
    counts = review_counts(v.article, v.reviews)
    cell = f"{counts.reviewed}/{counts.total} reviewed"
    if counts.stale:
        cell += f", {counts.stale} stale"
    return cell + (" (required)" if v.policy.require_review else "")


def format_status(verdicts: Sequence[Verdict], fmt: str) -> str:
    """The report of ``careloc status`` in ``fmt`` (one of ``STATUS_FORMATS``)."""
    if fmt == "html":
        return render_dashboard(verdicts)
    return status_json(verdicts) if fmt == "json" else status_text(verdicts)
