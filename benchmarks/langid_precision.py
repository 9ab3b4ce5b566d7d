"""Precision and recall of ``wrong-language`` on a labelled sample from the shipped PO files.

Usage: ``python benchmarks/langid_precision.py [--root DIR]``

Every translated, current entry of every shipped locale is judged twice over: as
belonging to its own locale (a flag there is a false alarm) and as belonging to
each other configured locale (a flag there is a wrong language caught; no flag a
miss). Text too short to judge is counted apart. Candidates are the project's
languages, as in ``careloc check``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import langid
from pipeline.gate import project_languages
from pipeline.pofile import read_entries
from pipeline.project import Project

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Score:
    judged: int = 0
    too_short: int = 0
    true_positive: int = 0
    false_negative: int = 0
    false_positive: int = 0
    true_negative: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        wrong = self.true_positive + self.false_negative
        return self.true_positive / wrong if wrong else 1.0


def sample(project: Project) -> list[tuple[str, str]]:
    """(locale code, translation) of every translated, non-fuzzy entry shipped."""
    found = []
    for policy in project.config.locales:
        for article in project.articles:
            path = project.po_path(policy.code, article.id)
            if not path.exists():
                continue
            catalog = read_entries(path.read_bytes(), str(path))
            for message in catalog.messages:
                text = message.string if isinstance(message.string, str) else ""
                if message.id and text and not message.fuzzy:
                    found.append((policy.code, text))
    return found


def measure(project: Project) -> Score:
    languages = project_languages(project)
    codes = [p.code for p in project.config.locales]
    # Every entry, not only the warning units the check judges: a larger sample.
    score = Score()
    for code, text in sample(project):
        if not langid.judgeable(text):
            score.too_short += 1
            continue
        for claimed in codes:
            own = langid.language_of(claimed)
            if own is None:
                continue
            score.judged += 1
            other = langid.other_language(text, own.iso_code_639_1.name.lower(), languages)
            truly_own = langid.language_of(code) == own
            if truly_own:
                score.false_positive += other is not None
                score.true_negative += other is None
            else:
                score.true_positive += other is not None
                score.false_negative += other is None
    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=REPO)
    args = parser.parse_args(argv)
    score = measure(Project(args.root).load())
    result = {**score.__dict__, "precision": score.precision, "recall": score.recall}
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
