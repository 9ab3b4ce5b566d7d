"""Reports for people and machines: findings as text, JSON or GitHub annotations; status.

Pure functions from results to text; the command line prints what they return.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Iterable, Sequence

from pipeline.dashboard import render_dashboard
from pipeline.gate import CheckResult, Verdict
from pipeline.model import Finding, visible
from pipeline.review import review_counts
from pipeline.signing import Proposal

__all__ = [
    "FINDING_FORMATS",
    "STATUS_FORMATS",
    "check_summary_line",
    "findings_github",
    "findings_json",
    "format_check",
    "format_status",
    "github_annotation",
    "github_summary",
    "review_text",
    "status_data",
    "status_text",
]

FINDING_FORMATS = ("text", "json", "github")
STATUS_FORMATS = ("text", "json", "html")
TEMPLATE_CODES = ("stale-template", "no-template")


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
    message = visible(finding.message, breaks=True)  # a CI log is a terminal too
    if finding.is_error and not blocking:
        message = f"{message} (draft locale {finding.locale}: reported, does not fail)"
    properties = []
    if finding.location is not None:
        properties.append(f"file={_escape_property(visible(finding.location.path))}")
        if finding.location.line is not None:
            properties.append(f"line={finding.location.line}")
    properties.append(f"title={_escape_property(f'[{finding.code}]')}")
    return f"::{level} {','.join(properties)}::{_escape_data(message)}"


def by_harm(result: CheckResult) -> list[Finding]:
    """The findings in the order GitHub should show them (it shows only the first 10
    errors and 10 warnings of a step): errors that fail the run and concern no one
    locale (the source, a stale template); then the errors of published locales, one
    per locale before any locale's second, so every withheld locale is seen; then
    draft locales' errors (annotated as warnings), likewise; then warnings. Within a
    locale, file order."""
    blocking = [f for f in result.findings if result.is_blocking(f)]
    general = [f for f in blocking if f.locale is None]
    published = _round_robin(f for f in blocking if f.locale is not None)
    draft = _round_robin(f for f in result.findings if f.is_error and not result.is_blocking(f))
    warnings = [f for f in result.findings if not f.is_error]
    return general + published + draft + warnings


def _round_robin(findings: Iterable[Finding]) -> list[Finding]:
    """Each locale's first finding, then each locale's second, and so on."""
    queues: dict[str | None, list[Finding]] = {}
    for finding in findings:
        queues.setdefault(finding.locale, []).append(finding)
    ordered: list[Finding] = []
    depth = 0
    while len(ordered) < sum(len(q) for q in queues.values()):
        ordered += [q[depth] for q in queues.values() if depth < len(q)]
        depth += 1
    return ordered


def findings_github(result: CheckResult) -> str:
    return "".join(
        github_annotation(f, blocking=result.is_blocking(f)) + "\n" for f in by_harm(result)
    )


def _markdown(text: str) -> str:
    """``text`` shown literally in GitHub Markdown (translations are untrusted)."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()|~])", r"\\\1", text).replace("\n", " ")


def github_summary(result: CheckResult) -> str:
    """A Markdown job summary for ``GITHUB_STEP_SUMMARY``: one line per locale
    (published or withheld, and why), then every gate error."""
    lines = ["## careloc check", ""]
    if result.source_findings:
        lines.append(
            "**The source or its templates need fixing before any locale can be checked.**"
        )
        lines.append("")
    by_locale: dict[str, list[Verdict]] = {}
    for v in result.verdicts:
        by_locale.setdefault(v.locale, []).append(v)
    for locale, verdicts in by_locale.items():
        status = verdicts[0].policy.status
        withheld = [v for v in verdicts if not v.publishable]
        if not withheld:
            lines.append(f"- **{locale}** ({status}): published")
            continue
        why = "; ".join(_markdown(r) for v in withheld for r in manifest_reasons(v))
        fails = " (fails the run)" if status == "published" else " (draft: does not fail)"
        lines.append(f"- **{locale}** ({status}): withheld{fails}: {why}")
    errors = [f for f in result.findings if f.is_error]
    lines += ["", f"### Errors ({len(errors)})", ""]
    for f in errors:
        where = f"{f.location}" if f.location else "careloc"
        note = "" if result.is_blocking(f) else " (draft locale: does not fail)"
        lines.append(f"- `{where}` \\[{f.code}\\] {_markdown(f.message)}{note}")
    if not errors:
        lines.append("None.")
    return "\n".join(lines) + "\n\n"


def format_check(result: CheckResult, fmt: str) -> str:
    """The report of ``careloc check`` in ``fmt`` (one of ``FINDING_FORMATS``)."""
    if fmt == "json":
        return findings_json(result)
    if fmt == "github":
        return findings_github(result)
    return findings_text(result.findings)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n or 'no'} {noun}s"


def check_summary_line(result: CheckResult) -> str:
    """One line for people: whether the run passed, counts, and which locales are
    withheld, e.g. "careloc check: passed; 4 errors, all in draft locales (they do
    not fail the run); withheld: pt-BR (draft)"."""
    summary = check_summary(result)
    errors, warnings = int(str(summary["errors"])), int(str(summary["warnings"]))
    counts = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if result.ok and errors:
        counts = f"{_count(errors, 'error')}, all in draft locales (they do not fail the run)"
        counts += f", {_count(warnings, 'warning')}"
    parts = [counts]
    if any(f.code not in TEMPLATE_CODES for f in result.source_findings):
        parts.append("the source is invalid")
    elif result.source_findings:
        parts.append("templates are out of date with the English: run `careloc sync`")
    withheld = _withheld(result.verdicts)
    if withheld:
        parts.append("withheld: " + ", ".join(withheld))
    elif result.verdicts:
        parts.append("every locale is publishable")
    verdict = "passed" if result.ok else "FAILED"
    return f"careloc check: {verdict}; " + "; ".join(parts)


def _withheld(verdicts: Sequence[Verdict]) -> list[str]:
    """Withheld locales: "fr", "pt-BR (draft)", or "fr/<article>" if several articles."""
    several = len({v.article.id for v in verdicts}) > 1
    names: list[str] = []
    for v in verdicts:
        if v.publishable:
            continue
        where = f"{v.locale}/{v.article.id}" if several else v.locale
        name = where if v.policy.published else f"{where} ({v.policy.status})"
        if name not in names:
            names.append(name)
    return names


def manifest_reasons(verdict: Verdict) -> list[str]:
    """Why ``verdict``'s locale is withheld for its article, in the words of the
    manifest (``"<article>: <reason>"``); empty if it is publishable."""
    if verdict.publishable:
        return []
    return [f"{verdict.article.id}: {reason}" for reason in verdict.reasons]


# -- status -------------------------------------------------------------------------------
def status_data(verdicts: Sequence[Verdict]) -> dict[str, object]:
    """SPEC §6: ``{"locales": [{"locale", "status", "articles": [{counts, warnings_ok,
    publishable, reasons}]}]}``, locales in the order of ``verdicts``; ``reasons`` are
    the manifest's strings, empty when publishable."""
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
                "reasons": manifest_reasons(v),
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
    """An aligned table, one row per locale x article; numbers right-aligned; under a
    row that is not publishable, one ``why:`` line per reason."""
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
    for row, verdict in zip(table, (None, *verdicts), strict=True):
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if verdict is not None and not verdict.publishable:  # why, under its row
            lines += [f"    why: {reason}" for reason in verdict.reasons]
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


# -- review -------------------------------------------------------------------------------
def review_text(proposals: Sequence[Proposal], locale: str) -> str:
    """What ``careloc review`` asks the clinician to sign: each unit, English above its
    translation, and what changed since its last sign-off."""
    if not proposals:
        return "no urgent-care warning unit to sign off"
    width = max(len("English"), len(locale))
    lines = []
    for n, p in enumerate(proposals, 1):
        kind = "red flag" if p.unit.kind == "red-flag" else "lead"
        severity = f"{p.unit.severity} " if p.unit.severity else ""
        lines.append(
            f"[{n}/{len(proposals)}] {p.article}: {p.unit.key} ({severity}warning, {kind})"
        )
        for label, text in (("English", p.unit.text), (locale, p.translation)):
            wrapped = textwrap.wrap(_visible(text), 88 - width) or [""]
            lines.append(f"  {label:<{width}} | {wrapped[0]}")
            lines += [f"  {'':<{width}} | {more}" for more in wrapped[1:]]
        lines.append(f"  {'':<{width}}   review: {p.since}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _visible(text: str) -> str:
    """``text`` with control characters written out (``\\x1b``): a translation must not
    be able to move the cursor or recolour the terminal the clinician reads it on."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)
