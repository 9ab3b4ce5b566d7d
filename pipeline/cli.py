"""The ``careloc`` command line: thin commands over the library, and the exit codes.

Exit codes: 0 success (warnings allowed), 1 content problems, 2 usage errors.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from pipeline import __version__, catalogs, gate, progress, pseudo, report, signing
from pipeline import build as site
from pipeline.errors import CarelocError, ContentError, UsageError
from pipeline.model import Finding, FindingSeverity, Location, error
from pipeline.project import CONFIG_PATH, Project, find_root

__all__ = ["main"]

Command = Callable[[Project, argparse.Namespace], int]


def _print_findings(findings: Sequence[Finding], stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    for finding in findings:
        print(finding.format(), file=out)


def _report_changes(changes: Sequence[catalogs.Change], verb: str = "") -> None:
    for change in changes:
        print(f"{verb or change.action} {change.path}")


def _stale_templates(project: Project, *, stop: bool) -> list[Finding]:
    """The templates out of date with the source (``catalogs.stale_templates``). A
    command that works from the templates (``stop``) cannot go on: ContentError, exit
    1. A command that only reports prints them as warnings and goes on."""
    findings = catalogs.stale_templates(project)
    if findings and stop:
        raise ContentError(findings)
    _print_findings([replace(f, severity=FindingSeverity.WARNING) for f in findings])
    return findings


# -- commands --------------------------------------------------------------------------
def cmd_validate(project: Project, args: argparse.Namespace) -> int:
    """Validate the source articles and locales/locales.yaml."""
    articles = project.load().articles
    units = sum(1 for a in articles for _ in a.units())
    warnings = sum(len(a.warnings()) for a in articles)
    print(f"{len(articles)} article(s), {units} units, {warnings} urgent-care warnings: valid")
    return 0


def cmd_extract(project: Project, args: argparse.Namespace) -> int:
    """Write locales/templates/<article>.pot from the source articles."""
    project.load()
    changes = catalogs.extract(project, dry_run=args.check)
    _report_changes(changes, "would update" if args.check else "")
    if not changes:
        print("templates are up to date")
    return 1 if args.check and changes else 0


def cmd_init(project: Project, args: argparse.Namespace) -> int:
    """Create the PO files of a new locale and register it in locales/locales.yaml as a
    draft (comments and order kept)."""
    project.load()
    _stale_templates(project, stop=True)
    changes = catalogs.init(project, args.locale)
    _report_changes(changes)
    code = args.locale.replace("-", "_")
    if any(change.path == CONFIG_PATH for change in changes):
        print(
            f"\nadded {code} to {CONFIG_PATH} as a draft: built and reported, never failing "
            "CI; set `status: published` there once it passes the gate."
        )
    print(
        "Next steps:\n"
        f"  1. translate locales/{code}/LC_MESSAGES/*.po (Poedit, Lokalize, Weblate or "
        "a text editor)\n"
        f"  2. careloc check --locale {code}      what is missing or wrong, by file and line\n"
        f'  3. careloc review {code} --reviewer "NAME"   a clinician signs off the '
        "urgent-care warnings\n"
        f"  4. careloc status --locale {code}     progress, and why it is not publishable yet"
    )
    return 0


def cmd_update(project: Project, args: argparse.Namespace) -> int:
    """Merge the templates into every locale's PO files (the templates must be current:
    after an English change run `careloc extract` first, or `careloc sync`)."""
    codes = project.target_locales(args.locale)  # an unknown locale before the source
    project.load()
    _stale_templates(project, stop=True)
    changes = catalogs.update(project, codes, check=args.check)
    if args.check:
        for change in changes:
            print(f"{change.path}: would be {change.action} by `careloc update`")
        if not changes:
            print("catalogs are up to date")
        return 1 if changes else 0
    _report_changes(changes)
    if not changes:
        print("catalogs are up to date")
    return 0


def cmd_sync(project: Project, args: argparse.Namespace) -> int:
    """Run `careloc extract`, then `careloc update`: the one command to run after
    changing the English. Files that would not change are left alone."""
    project.load()
    changes = catalogs.sync(project)
    _report_changes(changes)
    if not changes:
        print("templates and catalogs are up to date")
    return 0


def cmd_build(project: Project, args: argparse.Namespace) -> int:
    """Export HTML and JSON for the source and every locale that passes the gate."""
    codes = project.target_locales(args.locale)  # an unknown locale before the source
    result = site.build(project.load(), args.out, codes)
    _print_findings(result.findings)
    print("\n".join(result.summary()))
    return 1 if result.failed else 0


def cmd_check(project: Project, args: argparse.Namespace) -> int:
    """Check the source, the templates and every PO file, and apply the publish gate.

    Exit 1 if an error concerns the source, a template out of date with it, or a
    published locale; a draft locale's errors are reported but do not fail."""
    result = gate.check_project(project, args.locale)
    if not result.source_findings:  # an English change whose templates were not made again
        stale = tuple(catalogs.stale_templates(project))
        result = gate.CheckResult(stale, result.verdicts)
    sys.stdout.write(report.format_check(result, args.format))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary_file:
        with open(summary_file, "a", encoding="utf-8") as summary:
            summary.write(report.github_summary(result))
    print(report.check_summary_line(result), file=sys.stderr)
    return 0 if result.ok else 1


def cmd_status(project: Project, args: argparse.Namespace) -> int:
    """Show translation progress and the gate's verdict per locale and article."""
    project.target_locales(args.locale)  # an unknown locale before the source
    verdicts = gate.evaluate_all(project.load(), args.locale)
    _stale_templates(project, stop=False)
    sys.stdout.write(report.format_status(verdicts, args.format))
    return 0


def cmd_review(project: Project, args: argparse.Namespace) -> int:
    """Record a clinician's sign-off of a locale's urgent-care warnings in
    locales/<locale>/reviews.yaml (refused, writing nothing, if any requested unit is
    fuzzy, untranslated, out of date or failing a check). Each unit is shown, English
    and translation, and the reviewer confirms on the terminal; without a terminal
    (scripts) it signs only with --yes."""
    project.load()
    _stale_templates(project, stop=False)
    code = args.locale.replace("-", "_")

    def confirm(proposals: Sequence[signing.Proposal]) -> bool:
        print(report.review_text(proposals, code))
        if args.yes or not proposals:
            return True
        if not sys.stdin.isatty():
            raise UsageError(
                [
                    error(
                        "review-unconfirmed",
                        "nothing signed: without a terminal to ask on, `careloc review` signs "
                        "only with --yes (the units it would sign are listed above)",
                    )
                ]
            )
        try:
            answer = input(f"Sign off these {len(proposals)} unit(s) as {args.reviewer}? [y/N] ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

    result = signing.sign(
        project,
        args.locale,
        args.reviewer,
        article_ids=args.article,
        selectors=args.unit,
        confirm=confirm,
    )
    if result.declined:
        print(f"nothing signed; {result.path} is unchanged", file=sys.stderr)
        return 1
    for name in result.dropped:
        print(f"dropped the sign-off of {name}: no longer an urgent-care warning unit")
    state = "signed off" if result.changed else "already signed off, unchanged:"
    print(f"{state} {len(result.signed)} warning unit(s) in {result.path}")
    return 0


def cmd_pseudo(project: Project, args: argparse.Namespace) -> int:
    """Write a pseudo-localized catalog (accented, ~35% longer, bracketed) for every
    article, to find layout and fallback problems; it is never published."""
    project.load()
    _stale_templates(project, stop=True)
    changes = pseudo.pseudo(project, args.locale)
    _report_changes(changes)
    if not changes:
        print("pseudo-locale catalogs are up to date")
    return 0


# -- parser ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        type=Path,
        default=argparse.SUPPRESS,
        help="project directory (default: the current directory)",
    )
    parser = argparse.ArgumentParser(
        prog="careloc",
        description="Translated health articles, safe to publish: validate the source, "
        "run the gettext workflow, gate urgent-care warnings, export HTML and JSON.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"careloc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Command, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=func.__doc__)
        p.set_defaults(func=func, parser=p)
        return p

    add("validate", cmd_validate, "check source/*.yaml and locales/locales.yaml")
    p = add("extract", cmd_extract, "write POT templates from the source")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    p = add("init", cmd_init, "create PO files for a new locale")
    p.add_argument("locale", help="gettext locale name, e.g. es, pt_BR, zh_Hans")
    p = add("update", cmd_update, "merge templates into PO files")
    p.add_argument("--locale", action="append", metavar="L", help="only this locale (repeatable)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    add("sync", cmd_sync, "extract, then update: run after changing the English")
    p = add("build", cmd_build, "export per-locale HTML and JSON to dist/")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output directory (default: <project>/dist)"
    )
    p.add_argument(
        "--locale", action="append", metavar="L", help="only this target locale (repeatable)"
    )
    p = add("check", cmd_check, "check PO files and apply the publish gate")
    p.add_argument("--locale", action="append", metavar="L", help="only this locale (repeatable)")
    p.add_argument("--format", choices=report.FINDING_FORMATS, default="text", help="output format")
    p = add("status", cmd_status, "translation progress and publishability per locale")
    p.add_argument("--locale", action="append", metavar="L", help="only this locale (repeatable)")
    p.add_argument("--format", choices=report.STATUS_FORMATS, default="text", help="output format")
    p = add("review", cmd_review, "record a clinician's sign-off of a locale's warnings")
    p.add_argument("locale", help="locale whose warnings were reviewed, e.g. es or pt_BR")
    p.add_argument("--reviewer", required=True, metavar="NAME", help="who reviewed them")
    p.add_argument(
        "--article", action="append", metavar="ID", help="only this article (repeatable)"
    )
    p.add_argument(
        "--unit",
        action="append",
        metavar="ID",
        help="only this warning unit (msgctxt) or whole warning (warning id); repeatable",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="sign without asking (still shows every unit); needed without a terminal",
    )
    p = add("pseudo", cmd_pseudo, "write the pseudo-locale qps-ploc for layout testing")
    p.add_argument(
        "--locale", metavar="L", default="qps-ploc", help="pseudo-locale (default: qps-ploc)"
    )
    return parser


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """careloc keeps a great many long-lived objects (a verdict per locale x article) and
    makes little cyclic garbage: Python's default collector would walk them all again
    and again. Collect less often while a command runs."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the command's own usage, not the list of commands
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        root = getattr(args, "root", None) or find_root(Path.cwd())
        project = Project(root)
        # Progress bars are drawn only if stderr is a terminal.
        with progress.enabled(sys.stderr), _fewer_collections():
            return int(args.func(project, args))
    except CarelocError as exc:
        _print_findings(exc.findings)
        return exc.exit_code
    except KeyboardInterrupt:
        print("careloc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # the disk or the permissions, not the content: still no traceback
        where = Location(os.fsdecode(exc.filename)) if exc.filename else None
        message = exc.strerror or str(exc)
        if exc.filename2:  # a rename or a link: both paths
            message += f" (to {os.fsdecode(exc.filename2)})"
        elif where is None:
            message += f" (working on the project in {root})"
        _print_findings([error("os-error", message, where)])
        return 1
