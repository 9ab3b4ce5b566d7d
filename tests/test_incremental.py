"""The incremental layer (``pipeline/incremental/``): records read back exactly what
was kept, anything damaged is a miss, and a run keeps exactly what it used."""

from __future__ import annotations

import datetime
import json
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import cache as cache_mod
from pipeline import parallel
from pipeline.cache import CACHE_DIR, Cache
from pipeline.codes import CODES
from pipeline.gate import evaluate
from pipeline.incremental import articles, fragments, pages, verdicts
from pipeline.incremental.codec import Shape, pack, unpack
from pipeline.incremental.prune import prune
from pipeline.incremental.verdicts import VerdictStore
from pipeline.model import Article, Finding, FindingSeverity, Location
from pipeline.pofile import read_po, render_po
from pipeline.project import LocalePolicy, Project
from pipeline.review import ReviewState
from pipeline.source import load_article
from pipeline.verdict import Stats, Verdict

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "source" / "numbness-of-the-legs.yaml"
SCHEMA = REPO / "schemas" / "article.schema.json"
ARTICLE = load_article(SHIPPED, "source/numbness-of-the-legs.yaml", SCHEMA)
POLICY = LocalePolicy("fr", "published", 90.0, False, Location("locales/locales.yaml", 3))


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def entries(root: Path, kind: str) -> set[str]:
    return {p.name for p in (root / CACHE_DIR / kind).rglob("*") if p.is_file()}


# -- the codec ----------------------------------------------------------------------------------
def test_article_records_read_back_the_article(project_copy: Path) -> None:
    """An article's record gives back the same article (units, blocks, care cards,
    places); a damaged record is no article at all."""
    loaded = Project(project_copy).load().articles
    for article in [*loaded, ARTICLE]:
        again = articles.decode_article(articles.encode_article(article))
        assert again == article and list(again.units()) == list(article.units())
        assert again.unit(article.title.key) == article.title
    record = articles.encode_article(ARTICLE)
    head, _, body = record.partition(b"\n")
    for damaged in (
        b"",
        b"[]",
        body,  # no header
        record[:-9],  # truncated
        record.replace(head, head + b"0"),  # another version
        record.replace(b"articles", b"verdicts", 1),  # another kind
        head + b"\n" + b"[" * 100_000,
        head + b'\n["x"]',
        record.replace(b'"paragraph"', b'"script"', 1),  # an unknown block
    ):
        assert articles.decode_article(damaged) is None


texts = st.text(max_size=12)
maybe_int = st.none() | st.integers(min_value=0, max_value=10**6)
findings = st.builds(
    Finding,
    st.sampled_from(sorted(CODES)),
    st.sampled_from(list(FindingSeverity)),
    texts,
    st.none() | st.builds(Location, texts, maybe_int, maybe_int),
    st.none() | texts,
    st.none() | texts,
    st.none() | texts,
)
verdict_fields = st.fixed_dictionaries(
    {
        "findings": st.lists(findings, max_size=4).map(tuple),
        "stats": st.builds(Stats, *[st.integers(0, 10**6)] * 5),
        "warnings_ok": st.booleans(),
        "publishable": st.booleans(),
        "reasons": st.lists(texts, max_size=3).map(tuple),
        "reviews": st.dictionaries(texts, st.sampled_from(list(ReviewState)), max_size=3),
        "renderings": st.dictionaries(texts, st.tuples(texts, maybe_int), max_size=3),
        "same_as_source": st.lists(texts, max_size=3).map(tuple),
        "translations": st.dictionaries(texts, texts, max_size=4),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(fields=verdict_fields)
def test_a_cached_verdict_is_the_complete_verdict(tmp_path: Path, fields: dict[str, Any]) -> None:
    """Whatever a verdict holds, the record kept of it reads back as the same complete
    ``Verdict`` (its translations named by their sha256), and its translations are
    fetched by that sha256; sent from a worker, it reads back the same, whole or
    findings first (``Pending``)."""
    verdict = Verdict(policy=POLICY, article=ARTICLE, **fields)
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # a cache of its own for each example
    store = VerdictStore(Cache(root, enabled=True), {ARTICLE.id: "a", "fr": "l"}, "none")

    def made(policy: LocalePolicy, article: Article, data: bytes | None) -> Verdict:
        return verdict

    def never(policy: LocalePolicy, article: Article, data: bytes | None) -> Verdict:
        raise AssertionError("evaluated again")

    first = store.of_article(ARTICLE, [POLICY], made)
    again = store.of_article(ARTICLE, [POLICY], never)
    (cached,) = again.verdicts
    assert cached == verdict and cached.translations is None
    assert cached.translations_digest == verdict.translations_digest
    assert store.translations(again.entry, cached) == fields["translations"]
    sent = pickle.loads(pickle.dumps(first))  # as results cross from a worker process
    assert isinstance(sent, verdicts.Detached)
    (crossed,) = sent.attach([POLICY], ARTICLE)
    assert crossed == verdict and crossed.translations == verdict.translations
    (pending,) = sent.pending([POLICY], ARTICLE)  # findings now, the rest when asked
    assert pending.findings == verdict.findings and pending.policy == POLICY
    assert verdicts.complete(pending) == verdict
    (bare,) = pickle.loads(pickle.dumps(first.crossing(translations=False))).attach(
        [POLICY], ARTICLE
    )
    assert bare == verdict and bare.translations is None


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_damaged_record_is_a_miss_never_a_crash(data: st.DataObject) -> None:
    """Any value of another type anywhere in a record, or bytes cut anywhere, reads as
    no record."""
    shape = Shape(Verdict, given=("policy", "article", "translations"))
    verdict = evaluate_fixture()
    plain = shape.to_plain(verdict)
    given_ = {"policy": verdict.policy, "article": verdict.article, "translations": None}
    assert shape.from_plain(json.loads(json.dumps(plain)), given_) == verdict
    path = data.draw(st.lists(st.integers(0, 50), min_size=1, max_size=4))
    damaged = json.loads(json.dumps(plain))
    spot: Any = damaged
    for step in path[:-1]:
        if isinstance(spot, list) and spot and isinstance(spot[step % len(spot)], list | dict):
            spot = spot[step % len(spot)]
    if isinstance(spot, list) and spot:
        index = path[-1] % len(spot)
        before = spot[index]
        spot[index] = data.draw(st.sampled_from([None, 7, 1.5, True, "x", [], {}, [[1]]]))
        if json.dumps(before) == json.dumps(spot[index]):
            return
        result = shape.from_plain(damaged, given_)
        assert result is None or result == shape.from_plain(damaged, given_)  # no exception
        if type(before) is not type(spot[index]) and not (before is None or spot[index] is None):
            assert result is None
    record = pack("verdicts", plain)
    cut = data.draw(st.integers(0, len(record) - 1))
    assert shape.from_plain(unpack("verdicts", record[:cut]), given_) is None


_VERDICT: list[Verdict] = []


def evaluate_fixture() -> Verdict:
    """A real verdict with findings, reviews and renderings (made once)."""
    if not _VERDICT:
        root = Path(tempfile.mkdtemp()) / "project"
        for part in ("source", "schemas", "locales"):
            shutil.copytree(REPO / part, root / part)
        project = Project(root).load()
        policy = project.config.policy("de")
        assert policy is not None
        article = next(a for a in project.articles if a.warnings())
        _VERDICT.append(evaluate(project, policy, article))
        shutil.rmtree(root.parent)
    return _VERDICT[0]


@pytest.fixture
def project(small_project: Path) -> Path:
    """The small synthetic project of ``conftest.small_corpus``, a fresh copy."""
    return small_project


@pytest.mark.slow
def test_forged_or_moved_entries_are_misses(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry this machine did not write (another key), or one moved to another name,
    is worked out again; the result is that of a run without the cache."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    run(project, "check")
    reference = run(project, "check", "--format", "json")[1]
    ours = sorted((project / CACHE_DIR / verdicts.KIND).rglob("*/*"))
    assert len(ours) > 1
    ours[0].write_bytes(ours[1].read_bytes())  # moved to another name
    theirs = Cache(project)
    monkeypatch.setattr(theirs, "_secret", b"k" * 32)
    theirs.put(verdicts.KIND, ours[2].name, ours[2].read_bytes()[32:])  # another machine's
    counted: list[str] = []
    real = verdicts.VerdictStore.of_article

    def counting(self: VerdictStore, article: Article, policies: Any, evaluate_: Any) -> Any:
        def counted_evaluate(*args: Any) -> Verdict:
            counted.append(article.id)
            return evaluate_(*args)

        return real(self, article, policies, counted_evaluate)

    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**6)  # in this process, where it is counted
    monkeypatch.setattr(verdicts.VerdictStore, "of_article", counting)
    assert run(project, "check", "--format", "json")[1] == reference
    assert len(set(counted)) == 2


# -- PO files not read again while their status is the same --------------------------------------
def _blank_a_red_flag(path: Path) -> str:
    """Replace the first red-flag translation of ``path`` by dots, byte for byte (the
    file keeps its size); return its msgctxt."""
    data = path.read_bytes()
    entry = rb'red-flag symptom 1 of [^\n]*\n(?:#[^\n]*\n)*msgctxt "([^"]+)"\nmsgid "[^"]*"\n'
    found = re.search(entry + rb'msgstr "([^"]+)"', data)
    assert found is not None, path
    start, end = found.span(2)
    path.write_bytes(data[:start] + b"." * (end - start) + data[end:])
    return found[1].decode()


def test_a_po_file_is_read_again_whenever_its_status_changed(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PO file whose status (device, inode, size, times) is what it was when it was
    last read, once it had settled, is not read again. One written since is, even at the
    same size with its modification time set back (its status-change time moved); so
    is one read before it had settled, until it is read after."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**6)  # in this process, where it is counted
    reads: list[str] = []
    real = verdicts._read_po

    def reading(path: str) -> Any:
        if path.endswith(".po"):  # not the locale's other inputs, hashed on every run
            reads.append(path)
        return real(path)

    monkeypatch.setattr(verdicts, "_read_po", reading)
    later = time.time_ns() + 10 * verdicts.SETTLED_NS  # every file has settled by then
    monkeypatch.setattr(verdicts, "_now", lambda: later)
    before = run(project, "check", "--format", "json")[1]
    assert len(reads) == 6 * 4  # articles x locales
    reads.clear()
    assert run(project, "check", "--format", "json")[1] == before
    assert reads == []

    loaded = Project(project).load()
    failing = {
        (f["locale"], f["article"])
        for f in json.loads((project / "corpus.json").read_text())["failures"]
    }
    article = next(a for a in loaded.articles if ("es", a.id) not in failing)
    path = loaded.po_path("es", article.id)
    status = path.stat()
    key = _blank_a_red_flag(path)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    now = path.stat()
    assert (now.st_ino, now.st_size, now.st_mtime_ns) == (
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
    )
    code, out, _ = run(project, "check", "--format", "json")
    assert reads == [str(path)]
    blank = [
        f
        for f in json.loads(out)["findings"]
        if f["file"] == loaded.rel(path) and f["code"] == "untranslated" and key in f["message"]
    ]
    assert code == 1 and blank, out

    # Read before it had settled: not kept, so read again (and kept) by the next run.
    _blank_a_red_flag(path)  # the same dots again: a new status, the same bytes
    monkeypatch.setattr(verdicts, "_now", lambda: path.stat().st_ctime_ns + 1)
    reads.clear()
    run(project, "check")
    assert reads == [str(path)]
    monkeypatch.setattr(verdicts, "_now", lambda: later)
    for expected in ([str(path)], []):
        reads.clear()
        run(project, "check")
        assert reads == expected


# -- translations fetched by their sha256 ---------------------------------------------------------
def break_lead(root: Path, code: str) -> None:
    """Mark a care card's lead fuzzy in one PO file: the locale is withheld for it."""
    project = Project(root).load()
    article = next(a for a in project.articles if a.warnings())
    path = project.po_path(code, article.id)
    catalog = read_po(path.read_bytes(), path.name)
    lead = next(m for m in catalog if m.context == article.warnings()[0].lead.key)
    lead.flags.add("fuzzy")
    path.write_bytes(render_po(catalog))


@pytest.mark.slow
@pytest.mark.parametrize("lost", [False, True])
def test_pages_made_again_from_cached_verdicts_fetch_their_translations(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lost: bool
) -> None:
    """When a locale is withheld, the article's other pages are made again from cached
    verdicts: their translations are fetched by sha256 (or, if the cache lost them,
    worked out by the gate again), and the pages are those of a build without cache."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    out = tmp_path / "dist"
    run(project_copy, "build", "--out", str(out))
    assert entries(project_copy, verdicts.TRANSLATIONS)
    if lost:
        shutil.rmtree(project_copy / CACHE_DIR / verdicts.TRANSLATIONS)
    break_lead(project_copy, "de")
    run(project_copy, "build", "--out", str(out))
    warm = tree(out)
    monkeypatch.setenv(cache_mod.ENV_NO_CACHE, "1")
    run(project_copy, "build", "--out", str(tmp_path / "plain"))
    assert warm == tree(tmp_path / "plain")


# -- pruning --------------------------------------------------------------------------------------
def test_prune_keeps_exactly_what_was_used_of_the_kinds_named(tmp_path: Path) -> None:
    cache = Cache(tmp_path, enabled=True)
    keys = {kind: [cache.key(kind, str(i)) for i in range(3)] for kind in ("a", "b")}
    for kind, names in keys.items():
        for name in names:
            cache.put(kind, name, b"x")
    assert prune(cache, {"a": [keys["a"][1], None]}) == 2
    assert entries(tmp_path, "a") == {keys["a"][1]}
    assert entries(tmp_path, "b") == set(keys["b"])  # a kind not looked at is kept


@pytest.mark.slow
def test_a_build_keeps_exactly_what_it_used(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a build that followed a change, every kind a build looks at in full holds
    exactly the entries that build used: nothing of the build before survives."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    run(project, "build")
    before = {kind: entries(project, kind) for kind in (fragments.DASHBOARD, verdicts.KIND)}
    break_lead(project, "fr")
    run(project, "build")
    used: dict[str, set[str]] = {}
    real_get = Cache.get

    def get(self: Cache, kind: str, key: str) -> bytes | None:
        used.setdefault(kind, set()).add(key)
        return real_get(self, kind, key)

    monkeypatch.setattr(Cache, "get", get)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**6)
    run(project, "build")  # nothing changed: it reads every entry it uses
    for kind in (pages.KIND, verdicts.KIND, fragments.DASHBOARD, fragments.INDEX):
        assert entries(project, kind) == used[kind], kind
    assert entries(project, verdicts.TRANSLATIONS) == used[verdicts.KIND]
    # The changed locale's dashboard fragment was made again and the old one is gone.
    assert entries(project, fragments.DASHBOARD) != before[fragments.DASHBOARD]
    assert entries(project, verdicts.KIND) == before[verdicts.KIND]  # same articles


def test_dates_and_enums_round_trip() -> None:
    """The codec's other leaves: a date and an enum as their text, checked on the way back."""
    shape = Shape(Location)
    assert shape.from_plain(shape.to_plain(Location("a", 1, None))) == Location("a", 1, None)
    assert shape.from_plain(["a", "1", None]) is None  # a number as text
    assert shape.from_plain(["a", True, None]) is None  # a boolean is not a line
    assert (
        articles.decode_article(
            articles.encode_article(ARTICLE).replace(
                ARTICLE.published.isoformat().encode(), b"2024-02-30"
            )
        )
        is None
    )
    assert ARTICLE.published == datetime.date.fromisoformat(ARTICLE.published.isoformat())


# -- a build with nothing changed keeps the output it finds ---------------------------------------
_OUTPUT_EDITS: dict[str, Callable[[Path], None]] = {
    "a stray file": lambda out: (out / "notes.txt").write_text("mine\n"),
    "an empty folder": lambda out: (out / "es" / "drafts").mkdir(),
    "the index edited": lambda out: (out / "index.html").write_text("<p>defaced</p>\n"),
    "a page edited": lambda out: next(out.glob("fr/*.html")).write_text("<p>defaced</p>\n"),
    "a page removed": lambda out: next(out.glob("fr/*.json")).unlink(),
    "a link added": lambda out: (out / "elsewhere").symlink_to("/etc/passwd"),
}


@pytest.mark.slow
def test_a_build_with_nothing_changed_keeps_the_output_as_it_is(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Nothing to change: the output directory is the one of the last build (not a copy
    swapped in), byte for byte what a build without cache makes."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    out = tmp_path / "dist"
    run(project_copy, "build", "--out", str(out))
    first = out.stat().st_ino
    code, said, _ = run(project_copy, "build", "--out", str(out))
    assert code == 0 and out.stat().st_ino == first
    assert f"{out} is up to date (" in said and "wrote" not in said
    monkeypatch.setenv(cache_mod.ENV_NO_CACHE, "1")
    run(project_copy, "build", "--out", str(tmp_path / "plain"))
    assert tree(out) == tree(tmp_path / "plain")


@pytest.mark.slow
@pytest.mark.parametrize("edit", sorted(_OUTPUT_EDITS))
def test_an_output_changed_since_the_last_build_is_replaced(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, edit: str
) -> None:
    """Whatever was changed in the output since the last build (a file added, edited,
    removed, a folder or a link added), the next build replaces the whole output."""
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE, raising=False)
    out = tmp_path / "dist"
    run(project_copy, "build", "--out", str(out))
    built = tree(out)
    first = out.stat().st_ino
    _OUTPUT_EDITS[edit](out)
    code, said, _ = run(project_copy, "build", "--out", str(out))
    assert code == 0 and out.stat().st_ino != first and f"files to {out}" in said
    assert tree(out) == built
    assert sorted(p.name for p in out.iterdir()) == sorted({r.split("/")[0] for r in built})
