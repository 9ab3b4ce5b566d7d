"""Tests for pipeline.cache and pipeline.parallel: skipping unchanged work and using both
cores must never change a single byte of what careloc outputs."""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline import build as site
from pipeline import cache as cache_mod
from pipeline import gate, parallel
from pipeline.cache import CACHE_DIR, Cache, digest
from pipeline.export import Renderer
from pipeline.incremental.codec import unpack
from pipeline.incremental.verdicts import KIND as VERDICTS
from pipeline.pofile import read_po, render_po
from pipeline.project import Project

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def project(small_project: Path) -> Path:
    """The small synthetic project of ``conftest.small_corpus``, a fresh copy."""
    return small_project


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use two worker processes even for this small project."""
    monkeypatch.setenv(parallel.ENV_JOBS, "2")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)


def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, no cache: the reference every other way of running must match."""
    monkeypatch.setenv(parallel.ENV_JOBS, "1")
    monkeypatch.setenv(cache_mod.ENV_NO_CACHE, "1")


def change_translation(root: Path, code: str, article: str, key: str = "category") -> None:
    path = root / "locales" / code / "LC_MESSAGES" / f"{article}.po"
    catalog = read_po(path.read_bytes(), path.name)
    message = next(m for m in catalog if m.id and m.context == key)
    message.string = f"{message.string} ·"  # no digit: the numbers check would refuse it
    path.write_bytes(render_po(catalog))


def break_lead(root: Path, code: str, article: str) -> None:
    """Mark the lead of a warning fuzzy: the gate withholds the locale for the article."""
    path = root / "locales" / code / "LC_MESSAGES" / f"{article}.po"
    catalog = read_po(path.read_bytes(), path.name)
    lead = next(
        m
        for m in catalog
        if m.id and m.context.count("/") == 1 and "warn" in str(m.auto_comments).lower()
    )
    lead.flags.add("fuzzy")
    path.write_bytes(render_po(catalog))


def published_article(root: Path, code: str) -> str:
    project = Project(root).load()
    policy = project.config.policy(code)
    assert policy is not None
    return next(a.id for a in project.articles if gate.evaluate(project, policy, a).publishable)


# -- the codec and the store ---------------------------------------------------------------------
def test_digest_frames_its_parts() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(b"x") == digest("x")


def test_cache_stores_atomically_and_misses_safely(tmp_path: Path) -> None:
    cache = Cache(tmp_path, enabled=True)
    key = cache.key("kind", "input")
    assert cache.get("kind", key) is None
    cache.put_json("kind", key, {"a": 1})
    assert cache.get_json("kind", key) == {"a": 1}
    assert cache.key("kind", "input") == key and cache.key("kind", "other") != key
    entry = next((tmp_path / CACHE_DIR / "kind").rglob(key))
    entry.write_bytes(b"{not json")
    assert cache.get_json("kind", key) is None
    assert [p.name for p in (tmp_path / CACHE_DIR).rglob("*.tmp")] == []


def test_cache_prune_keeps_only_what_was_asked_for(tmp_path: Path) -> None:
    cache = Cache(tmp_path, enabled=True)
    keys = [cache.key("k", str(i)) for i in range(3)]
    for key in keys:
        cache.put("k", key, b"1")
    assert cache.prune("k", keys[:1]) == 2
    assert cache.get("k", keys[0]) == b"1" and cache.get("k", keys[1]) is None


def test_cache_is_off_by_environment_or_when_not_a_plain_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_mod.ENV_NO_CACHE, "1")
    assert not Cache(tmp_path).enabled
    monkeypatch.delenv(cache_mod.ENV_NO_CACHE)
    assert Cache(tmp_path).enabled
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / CACHE_DIR).symlink_to(outside)
    cache = Cache(project)
    assert not cache.enabled
    cache.put("k", cache.key("k"), b"x")
    assert list(outside.iterdir()) == []


def test_code_fingerprint_covers_templates_and_interface_strings() -> None:
    package = Path(cache_mod.__file__).parent
    assert (package / "templates").is_dir() and (package / "ui").is_dir()
    assert len(cache_mod.code_fingerprint()) == 64


# -- the pool ------------------------------------------------------------------------------------
def _square(shared: int, item: int) -> tuple[int, int]:
    return item * item + shared, os.getpid()


def test_pool_keeps_the_order_of_the_items(pool: None) -> None:
    results = parallel.map_ordered(_square, 1, list(range(50)))
    assert [r for r, _ in results] == [i * i + 1 for i in range(50)]
    assert os.getpid() not in {pid for _, pid in results}  # it really ran in workers


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_result_is_handed_over_in_order_as_it_arrives(
    pool: None, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """``arrived`` sees every result once, in the order of the items, in this process,
    whether the pool or a plain loop made them."""
    monkeypatch.setenv(parallel.ENV_JOBS, jobs)
    seen: list[tuple[int, int, int]] = []
    results = parallel.map_ordered(
        _square, 3, list(range(80)), arrived=lambda i, r: seen.append((i, r[0], os.getpid()))
    )
    assert [(i, r) for i, r, _ in seen] == [(i, i * i + 3) for i in range(80)]
    assert [r for r, _ in results] == [r for _, r, _ in seen]
    assert {pid for _, _, pid in seen} == {os.getpid()}


def _collector(shared: list[object], item: int) -> tuple[bool, int]:
    """Whether the collector runs on its own in this worker, and whether a cycle left by
    earlier items is gone (collected between items)."""
    if item == 0:
        ring: list[object] = []
        ring.append(ring)
        shared.append(weakref.ref(_Ring(ring)))
    return gc.isenabled(), os.getpid()


class _Ring:
    def __init__(self, ring: list[object]) -> None:
        self.ring = ring
        ring.append(self)


def test_workers_collect_garbage_between_items_and_this_process_as_it_was(
    pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's collector does not run on its own in the middle of an item, only
    between items (every ``COLLECT_AFTER`` objects); this process's collector is as it
    was once the workers are done, with nothing left frozen."""
    monkeypatch.setattr(parallel, "COLLECT_AFTER", -1)  # between every two items
    results = parallel.map_ordered(_collector, [], list(range(80)))
    assert {enabled for enabled, _ in results} == {False}
    assert os.getpid() not in {pid for _, pid in results}
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        parallel.map_ordered(_collector, [], list(range(80)))
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_worker_collects_the_cycles_of_earlier_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_call`` as a worker runs it: the collector off, a cycle of one item is collected
    before the next item once ``COLLECT_AFTER`` objects were made."""
    shared: list[Any] = []
    monkeypatch.setattr(parallel, "_shared", shared)
    monkeypatch.setattr(parallel, "COLLECT_AFTER", -1)
    gc.disable()
    try:
        parallel._call((_collector, 0))
        assert shared[0]() is not None  # a cycle: alive until collected
        parallel._call((_collector, 1))
        assert shared[0]() is None
    finally:
        gc.enable()


def test_small_jobs_and_one_core_run_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV_JOBS, "1")
    assert {pid for _, pid in parallel.map_ordered(_square, 0, list(range(100)))} == {os.getpid()}
    monkeypatch.setenv(parallel.ENV_JOBS, "2")
    assert {pid for _, pid in parallel.map_ordered(_square, 0, [1, 2])} == {os.getpid()}


# -- the same output, whichever way it is computed -----------------------------------------------
@pytest.mark.slow
def test_verdicts_are_the_same_cached_pooled_and_plain(
    project: Path, pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = gate.evaluate_all(Project(project).load())
    warm = gate.evaluate_all(Project(project).load())
    assert (project / CACHE_DIR / VERDICTS).is_dir()
    plain(monkeypatch)
    reference = gate.evaluate_all(Project(project).load())
    assert cold == warm == reference
    assert any(not v.publishable for v in reference)  # the planted failures are found
    assert Project(project).load().articles == Project(project).load().articles


@pytest.mark.slow
def test_damaged_cache_entries_are_worked_out_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = gate.evaluate_all(Project(project).load())
    articles = Project(project).load().articles
    damaged = [
        '{"$": "Exploit", "fields": {}}',
        '{"$": "dict", "map": {"translations": "{}"}}',  # valid JSON, fields missing
        '{"$": "Article", "fields": {"id": 1}}',
        "",
    ]
    for attempt in damaged:
        for entry in (project / CACHE_DIR).rglob("*"):
            if entry.is_file():
                entry.write_text(attempt)
        assert gate.evaluate_all(Project(project).load()) == reference
        assert Project(project).load().articles == articles


@pytest.mark.slow
def test_builds_are_byte_identical_with_and_without_cache_and_pool(
    project: Path, pool: None, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def build(out: str) -> dict[str, bytes]:
        code, _, err = run(project, "build", "--out", str(tmp_path / out))
        assert code == 1, err  # the planted failure in a published locale
        return tree(tmp_path / out)

    cold = build("dist")  # cache empty, two workers
    warm = build("dist")  # every page taken from the previous build
    assert cold == warm
    code = "fr"
    article = published_article(project, code)
    change_translation(project, code, article)
    changed = build("dist")
    monkeypatch.undo()
    plain(monkeypatch)
    assert changed == build("single")
    assert changed != cold
    assert changed[f"{code}/{article}.html"] != cold[f"{code}/{article}.html"]


@pytest.mark.slow
def test_pages_made_again_from_cached_verdicts_are_those_of_a_cold_build(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The cache keeps a verdict's translations as their sha256 only. When a locale of an
    article is withheld, the article's other pages (which no longer link to it) are
    made again from cached verdicts: their translations are worked out again from the
    PO files, and the pages are those of a build without the cache."""
    code = "fr"
    article = published_article(project, code)
    out = tmp_path / "dist"
    run(project, "build", "--out", str(out))
    entries = [p for p in (project / CACHE_DIR / VERDICTS).rglob("*") if p.is_file()]
    stored = [Cache(project).get(VERDICTS, p.name) for p in entries]
    records = [r for data in stored for r in unpack(VERDICTS, data)[0].values()]
    assert records and all(len(r[-1]) == 64 for r in records)  # a sha256, not the texts
    # A fuzzy warning lead: fr is withheld for this article, its other pages change.
    break_lead(project, code, article)
    calls: list[tuple[str, str]] = []
    real = Renderer.render

    def counting(self: Renderer, art: Any, locale: str, *args: Any) -> Any:
        calls.append((locale, art.id))
        return real(self, art, locale, *args)

    monkeypatch.setattr(Renderer, "render", counting)
    run(project, "build", "--out", str(out))
    assert (
        len(calls) > 2 and {a for _, a in calls} == {article} and code not in {c for c, _ in calls}
    )
    warm = tree(out)
    monkeypatch.undo()
    plain(monkeypatch)
    run(project, "build", "--out", str(tmp_path / "single"))
    assert warm == tree(tmp_path / "single")
    assert f"{code}/{article}.html" not in warm


@pytest.mark.slow
def test_the_index_is_made_again_only_when_what_it_lists_changes(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made: list[int] = []
    real = Renderer.render_index

    def counting(self: Renderer, exported: Any) -> bytes:
        made.append(len(exported))
        return real(self, exported)

    monkeypatch.setattr(Renderer, "render_index", counting)
    run(project, "build")
    first = (project / "dist" / "index.html").read_bytes()
    change_translation(project, "fr", published_article(project, "fr"))
    run(project, "build")  # one translation changed: the same languages are listed
    assert len(made) == 1 and (project / "dist" / "index.html").read_bytes() == first
    break_lead(project, "fr", published_article(project, "fr"))
    run(project, "build")  # fr withheld for an article: its links change
    assert len(made) == 2 and (project / "dist" / "index.html").read_bytes() != first


@pytest.mark.slow
def test_a_warm_build_renders_only_what_changed(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = Renderer.render

    def counting(self: Renderer, article: Any, code: str, *args: Any) -> Any:
        calls.append((code, article.id))
        return real(self, article, code, *args)

    monkeypatch.setattr(Renderer, "render", counting)
    run(project, "build")
    assert len(calls) > 6
    calls.clear()
    assert run(project, "build")[0] == 1
    assert calls == []
    article = published_article(project, "fr")
    change_translation(project, "fr", article)
    run(project, "build")
    assert calls == [("fr", article)]


@pytest.mark.slow
def test_cache_keys_are_contents_never_timestamps(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = Renderer.render

    def counting(self: Renderer, article: Any, code: str, *args: Any) -> Any:
        calls.append(code)
        return real(self, article, code, *args)

    monkeypatch.setattr(Renderer, "render", counting)
    run(project, "build")
    article = published_article(project, "fr")
    po = project / "locales" / "fr" / "LC_MESSAGES" / f"{article}.po"
    os.utime(po, (1, 1))  # touched, not changed: nothing to redo
    calls.clear()
    run(project, "build")
    assert calls == []
    stat = po.stat()
    change_translation(project, "fr", article)
    os.utime(po, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # changed, same timestamp
    run(project, "build")
    assert calls == ["fr"]


def _edit_in_place(page: Path, forged: bytes, tmp_path: Path) -> None:
    page.write_bytes(forged)


def _replace_keeping_the_time(page: Path, forged: bytes, tmp_path: Path) -> None:
    before = page.stat()
    (tmp_path / "forged.html").write_bytes(forged)
    os.replace(tmp_path / "forged.html", page)  # another inode
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_mtime_ns == before.st_mtime_ns


@pytest.mark.slow
@pytest.mark.parametrize("tamper", [_edit_in_place, _replace_keeping_the_time])
def test_a_tampered_previous_page_is_not_reused(
    project: Path, run: Run, tmp_path: Path, tamper: Callable[[Path, bytes, Path], None]
) -> None:
    run(project, "build")
    reference = tree(project / "dist")
    article = published_article(project, "es")
    page = project / "dist" / "es" / f"{article}.html"
    data = page.read_bytes()
    tamper(page, data.replace(b"<li>", b"<LI>", 1), tmp_path)  # same size, other bytes
    assert page.read_bytes() != data and len(page.read_bytes()) == len(data)
    run(project, "build")
    assert tree(project / "dist") == reference


@pytest.mark.slow
def test_a_warm_build_trusts_its_own_untouched_pages_without_reading_them(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(project, "build")
    run(project, "build")  # the stamps of linked pages are recorded
    hashed: list[int] = []
    real = site.FileInfo.of

    def counting(data: bytes) -> Any:
        hashed.append(len(data))
        return real(data)

    monkeypatch.setattr(site.FileInfo, "of", staticmethod(counting))
    reference = tree(project / "dist")
    run(project, "build")
    # Only what every build writes anew: index.html, status.html, manifest.json.
    assert len(hashed) == 3
    assert tree(project / "dist") == reference


@pytest.mark.slow
def test_update_and_extract_skip_current_files_but_see_every_change(
    project: Path, pool: None, run: Run
) -> None:
    assert run(project, "update", "--check")[0] == 0
    assert run(project, "update", "--check")[0] == 0  # now from the cache
    source = sorted((project / "source").glob("*.yaml"))[2]
    source.write_text(source.read_text().replace("Thyroid diseases", "Thyroid disease"))
    code, out, _ = run(project, "extract", "--check")
    assert code == 1 and f"locales/templates/{source.stem}.pot" in out
    assert run(project, "extract")[0] == 0
    code, out, _ = run(project, "update", "--check")
    assert code == 1
    assert out.count(f"{source.stem}.po: would be updated") == 4
    assert run(project, "update")[0] == 0
    assert run(project, "update", "--check")[0] == 0


@pytest.mark.slow
def test_build_output_does_not_depend_on_leftover_cache_of_other_code(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(project, "build")
    reference = tree(project / "dist")
    # Another careloc (different code) never reads this one's entries.
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "another careloc")
    calls: list[str] = []
    real = Renderer.render

    def counting(self: Renderer, article: Any, code: str, *args: Any) -> Any:
        calls.append(code)
        return real(self, article, code, *args)

    monkeypatch.setattr(Renderer, "render", counting)
    run(project, "build")
    assert calls and tree(project / "dist") == reference
    assert site.MANIFEST in reference
