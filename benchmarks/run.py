"""Time careloc against GNU gettext and pybabel on one synthetic corpus, side by side.

Usage: ``python benchmarks/run.py [--articles N] [--locales M] [--seed S] [--out DIR]``

Generates (or reuses) a corpus with ``benchmarks/generate.py``, then runs each step
as its own child process on a fresh copy of it (synced to disk before the step starts,
so that writing the copy out is not charged to the step): ``careloc validate``, ``extract``,
``update``, ``check`` (cold, then again with the cache it left), ``build`` (cold,
again with nothing changed, and after one PO file changed), and as referees
``msgfmt --check --statistics`` over every PO file, one process per file as a CI
loop runs it, and ``pybabel update`` per article as a Babel user would. For each step
it records wall time, CPU time (user + system of the child and everything it
waited for) and peak memory: the largest proportional set size (PSS) of the whole
process tree, sampled every 50 ms, which counts pages that forked workers share with
their parent once; also the largest single process (``wait4``) and the plain sum of
resident sets. It prints a table and writes everything to ``DIR/results.json``
(default ``benchmarks/out/``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR = HERE / "generate.py"
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")

# The targets of issue 8, for 1,000 articles x 20 locales on two cores.
TARGET_COLD_BUILD_S = 60.0
TARGET_WARM_BUILD_S = 5.0
TARGET_PEAK_RSS_MIB = 1024.0

MSGFMT_LOOP = (
    "status=0; for f in locales/*/LC_MESSAGES/*.po; do "
    'msgfmt --check --statistics -o /dev/null "$f" 2>>"$STATS" || status=1; '
    "done; exit $status"
)
MSGFMT_XARGS = (
    "find locales -path '*/LC_MESSAGES/*.po' -print0 | "
    'xargs -0 -n 1 -P 2 msgfmt --check --statistics -o /dev/null 2>>"$STATS"'
)
PYBABEL_LOOP = (
    "status=0; for t in locales/templates/*.pot; do "
    'd=$(basename "$t" .pot); '
    '"$PYBABEL" --quiet update -i "$t" -d locales -D "$d" || status=1; '
    "done; exit $status"
)


@dataclass
class Measurement:
    """One timed step: what ran, how it ended and what it cost."""

    name: str
    tool: str
    command: list[str]
    expected_exit: int
    exit_code: int | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    user_s: float | None = None
    sys_s: float | None = None
    peak_rss_mib: float | None = None
    """Peak memory of the step: the largest proportional set size (PSS) of its whole
    process tree seen while it ran, or the largest single process if that is larger."""
    max_process_rss_mib: float | None = None
    """Largest resident set of any single process of the step (``wait4``)."""
    peak_tree_rss_mib: float | None = None
    """Largest sum of the resident sets of the process tree (pages shared by forked
    workers counted once per process, so this overstates what is used)."""
    available: bool = True
    note: str = ""
    wall_s_runs: list[float | None] = field(default_factory=list)
    """The wall time of every round, when the benchmark was repeated."""
    stderr_tail: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.available and self.exit_code == self.expected_exit

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


# -- measuring one child --------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """Resident set size and proportional set size (bytes) of one process: PSS divides
    each page shared with other processes (forked workers share their parent's
    memory) among them, so PSS sums to what a process tree really occupies."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                rss = pss = int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return rss, pss


def tree_memory(root: int) -> tuple[int, int]:
    """The summed RSS and PSS (bytes) of ``root`` and all its descendants."""
    tree = _children()
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        r, p = _memory(pid)
        rss, pss = rss + r, pss + p
        todo.extend(tree.get(pid, ()))
    return rss, pss


def measure(
    name: str,
    tool: str,
    command: Sequence[str],
    cwd: Path,
    expected_exit: int,
    env: dict[str, str] | None = None,
    interval: float = 0.05,
) -> Measurement:
    """Run ``command`` in ``cwd`` as one child and measure it (see ``Measurement``)."""
    result = Measurement(name, tool, list(command), expected_exit)
    err_path = cwd.parent / f".{name}.stderr"
    start = time.perf_counter()
    with open(err_path, "wb") as err:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak_rss = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_rss, peak_pss
            while not done.wait(interval):
                rss, pss = tree_memory(child.pid)
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        result.wall_s = time.perf_counter() - start
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    result.exit_code = child.returncode
    result.user_s = usage.ru_utime
    result.sys_s = usage.ru_stime
    result.cpu_s = usage.ru_utime + usage.ru_stime
    max_process = usage.ru_maxrss * 1024  # KiB on Linux
    result.max_process_rss_mib = max_process / MIB
    result.peak_rss_mib = max(peak_pss, max_process) / MIB
    result.peak_tree_rss_mib = max(peak_rss, max_process) / MIB
    tail = err_path.read_bytes()[-2000:].decode("utf-8", "replace")
    err_path.unlink()
    result.stderr_tail = tail
    if result.exit_code == 2 and "invalid choice" in tail:
        result.available = False
        result.note = "command not available in this careloc"
    return result


# -- the steps ----------------------------------------------------------------------------
def fresh_copy(corpus: Path, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(corpus, work, symlinks=True)
    return work


def touch_one_po(root: Path, corpus: dict[str, Any]) -> str:
    """Change one translation of one PO file that passes the gate (a translator's fix),
    as the warm build measures; return its path."""
    from pipeline.pofile import read_po, render_po

    failing = {(f["locale"], f["article"]) for f in corpus["failures"]}
    codes = [t["code"] for t in corpus["locales"] if t["status"] == "published"]
    for path in sorted((root / "locales").glob("*/LC_MESSAGES/*.po")):
        code, article = path.parent.parent.name, path.stem
        if code in codes and (code, article) not in failing:
            catalog = read_po(path.read_bytes(), path.name)
            message = next(m for m in catalog if m.id and m.context == "category")
            message.string = f"{message.string} ·"
            path.write_bytes(render_po(catalog))
            return path.relative_to(root).as_posix()
    raise RuntimeError("no PO file to change")


def run_all(corpus: Path, work: Path, only: set[str] | None) -> list[Measurement]:
    info = json.loads((corpus / "corpus.json").read_text())
    py = [sys.executable, "-m", "pipeline"]
    env = dict(os.environ)
    env["STATS"] = os.devnull
    env["PYBABEL"] = str(Path(sys.executable).with_name("pybabel"))
    env.setdefault("PYTHONHASHSEED", "0")
    # Deliberate gate failures in published locales: check and build must exit 1.
    fails = 1 if any(f["published"] for f in info["failures"]) else 0
    results: list[Measurement] = []

    def step(
        name: str,
        command: Sequence[str],
        expected: int,
        *,
        fresh: bool = True,
        tool: str = "careloc",
        before: Callable[[Path], str] | None = None,
    ) -> None:
        if only and name not in only:
            return
        root = fresh_copy(corpus, work) if fresh else work
        note = before(root) if before else ""
        # The disk settles first: the copy just made (or the last step's output) is
        # written out now, not charged to the step measured next.
        os.sync()
        print(f"  {name} ...", file=sys.stderr, flush=True)
        m = measure(name, tool, command, root, expected, env)
        m.note = m.note or note
        results.append(m)

    step("validate", [*py, "validate"], 0)
    step("extract", [*py, "extract"], 0)
    step("update", [*py, "update"], 0)
    step("check", [*py, "check"], fails)
    step("check (cached)", [*py, "check"], fails, fresh=False)
    step("build (cold)", [*py, "build"], fails)
    step("build (no change)", [*py, "build"], fails, fresh=False)
    step(
        "build (one PO changed)",
        [*py, "build"],
        fails,
        fresh=False,
        before=lambda root: "changed " + touch_one_po(root, info),
    )
    if shutil.which("msgfmt"):
        step("msgfmt loop", ["bash", "-c", MSGFMT_LOOP], 0, tool="msgfmt")
        step("msgfmt xargs -P2", ["bash", "-c", MSGFMT_XARGS], 0, tool="msgfmt")
    if Path(env["PYBABEL"]).exists():
        step("pybabel update", ["bash", "-c", PYBABEL_LOOP], 0, tool="pybabel")
    if work.exists():
        shutil.rmtree(work)
    return results


def best_of(rounds: Sequence[Sequence[Measurement]]) -> list[Measurement]:
    """For each step, the run with the lowest wall time among those that ended as
    expected; every round's wall time is kept in ``wall_s_runs``."""
    best: list[Measurement] = []
    for runs in zip(*rounds, strict=True):
        good = [m for m in runs if m.ok] or list(runs)
        chosen = min(good, key=lambda m: m.wall_s if m.wall_s is not None else float("inf"))
        chosen.wall_s_runs = [m.wall_s for m in runs]
        best.append(chosen)
    return best


# -- the report ------------------------------------------------------------------------------
def _get(results: Sequence[Measurement], name: str) -> Measurement | None:
    return next((m for m in results if m.name == name and m.ok), None)


def _ratio(a: Measurement | None, b: Measurement | None) -> float | None:
    if a is None or b is None or not a.wall_s or not b.wall_s:
        return None
    return round(a.wall_s / b.wall_s, 3)


def evaluate_targets(results: Sequence[Measurement], info: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets with what was measured; ``met`` is None if not measured."""

    def wall(name: str) -> float | None:
        m = _get(results, name)
        return m.wall_s if m else None

    targets: list[dict[str, Any]] = []

    def add(name: str, target: str, measured: float | None, met: bool | None) -> None:
        targets.append({"target": name, "goal": target, "measured": measured, "met": met})

    cold, warm = wall("build (cold)"), wall("build (one PO changed)")
    add(
        "cold build",
        f"<= {TARGET_COLD_BUILD_S:g} s",
        cold,
        None if cold is None else cold <= TARGET_COLD_BUILD_S,
    )
    add(
        "build after one PO changed",
        f"<= {TARGET_WARM_BUILD_S:g} s",
        warm,
        None if warm is None else warm <= TARGET_WARM_BUILD_S,
    )
    for ours, theirs, label in (
        ("check", "msgfmt loop", "check vs msgfmt loop"),
        ("update", "pybabel update", "update vs pybabel update"),
    ):
        r = _ratio(_get(results, ours), _get(results, theirs))
        add(label, "ratio < 1", r, None if r is None else r < 1)
    peaks = [m.peak_rss_mib for m in results if m.ok and m.tool == "careloc" and m.peak_rss_mib]
    peak = max(peaks) if peaks else None
    add(
        "peak RSS of any careloc step",
        f"<= {TARGET_PEAK_RSS_MIB:g} MiB",
        peak,
        None if peak is None else peak <= TARGET_PEAK_RSS_MIB,
    )
    return targets


def table(results: Sequence[Measurement]) -> str:
    rows = [("step", "exit", "wall s", "CPU s", "peak MiB", "note")]
    for m in results:
        rows.append(
            (
                m.name,
                "n/a" if not m.available else f"{m.exit_code}" + ("" if m.ok else " (!)"),
                f"{m.wall_s:.2f}" if m.wall_s is not None else "-",
                f"{m.cpu_s:.2f}" if m.cpu_s is not None else "-",
                f"{m.peak_rss_mib:.0f}" if m.peak_rss_mib is not None else "-",
                m.note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def machine() -> dict[str, Any]:
    from pipeline import __version__

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    gettext = (
        subprocess.run(
            ["msgfmt", "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[:1]
        if shutil.which("msgfmt")
        else []
    )
    import babel

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "careloc": __version__,
        "commit": commit or None,
        "babel": babel.__version__,
        "gettext": gettext[0] if gettext else None,
    }


# -- the command line ------------------------------------------------------------------------
def ensure_corpus(out: Path, articles: int, locales: int, seed: int) -> tuple[Path, float | None]:
    """The corpus for these parameters, generated unless an identical one exists;
    returns it and how long generating took (None if reused)."""
    corpus = out / f"corpus-{articles}x{locales}-s{seed}"
    stamp = corpus / "corpus.json"
    if stamp.is_file():
        info = json.loads(stamp.read_text())
        if (info["articles"], len(info["locales"]), info["seed"]) == (articles, locales, seed):
            # The schemas are careloc's, not the corpus's: use the current ones.
            shutil.copytree(REPO / "schemas", corpus / "schemas", dirs_exist_ok=True)
            return corpus, None
    if corpus.exists():
        shutil.rmtree(corpus)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            str(corpus),
            "--articles",
            str(articles),
            "--locales",
            str(locales),
            "--seed",
            str(seed),
        ],
        check=True,
    )
    return corpus, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, metavar="N")
    parser.add_argument("--locales", type=int, default=20, metavar="M")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--out", type=Path, default=HERE / "out", metavar="DIR")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="R",
        help="run every step R times and keep the fastest (other load on the machine "
        "only ever slows a run down)",
    )
    parser.add_argument(
        "--only", action="append", metavar="STEP", help="run only this step (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    corpus, generated_s = ensure_corpus(out, args.articles, args.locales, args.seed)
    info = json.loads((corpus / "corpus.json").read_text())
    rounds = [
        run_all(corpus, out / "work", set(args.only) if args.only else None)
        for _ in range(args.repeat)
    ]
    results = best_of(rounds)
    targets = evaluate_targets(results, info)
    ratios = {
        "check / msgfmt loop": _ratio(_get(results, "check"), _get(results, "msgfmt loop")),
        "check / msgfmt xargs -P2": _ratio(
            _get(results, "check"), _get(results, "msgfmt xargs -P2")
        ),
        "update / pybabel update": _ratio(_get(results, "update"), _get(results, "pybabel update")),
    }
    host = machine()
    data: dict[str, Any] = {
        "corpus": {
            **info,
            "pages": args.articles * (1 + len(info["locales"])),
            "generate_s": generated_s,
        },
        "machine": host,
        "reproduce": (
            f"python benchmarks/run.py --articles {args.articles} "
            f"--locales {args.locales} --seed {args.seed}"
            + (f" --repeat {args.repeat}" if args.repeat > 1 else "")
        ),
        "results": [m.as_dict() for m in results],
        "ratios": ratios,
        "targets": targets,
    }
    (out / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.articles} articles x {len(info['locales'])} locales "
        f"({info['po_files']} PO files), {host['cpus']} CPUs"
    )
    print(table(results))
    for name, value in ratios.items():
        print(f"{name}: {value if value is not None else '-'}")
    for t in targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        print(f"target {t['target']} {t['goal']}: {t['measured']} -> {verdict}")
    print(f"results: {out / 'results.json'}")
    failed = [m.name for m in results if not m.ok and m.available]
    if failed:
        print(f"unexpected exit codes: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
