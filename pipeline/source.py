"""Load the English source articles (``source/<id>.yaml``) into the typed model."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from pipeline import parallel
from pipeline.cache import Cache, digest
from pipeline.errors import ContentError
from pipeline.incremental.articles import article_key, cached_article, keep_article
from pipeline.model import (
    Article,
    Block,
    Finding,
    ListBlock,
    Location,
    Paragraph,
    Section,
    Severity,
    Unit,
    UnitKind,
    WarningBlock,
    error,
)
from pipeline.schema import read_schema, validate
from pipeline.yamlfile import MAX_BYTES, JsonPath, YamlDocument, read_yaml

__all__ = ["load_article", "load_articles"]

RESERVED_IDS = frozenset({"heading"})


class _Builder:
    """Turns a schema-valid document into an Article, collecting id problems."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.findings: list[Finding] = []
        self.keys: dict[str, Location] = {}
        self.warning_ids: dict[str, Location] = {}

    def unit(
        self,
        key: str,
        kind: UnitKind,
        text_path: JsonPath,
        id_path: JsonPath | None = None,
        warning: tuple[str, Severity] | None = None,
    ) -> Unit:
        text = self._get(text_path)
        where = self.doc.location(text_path)
        if key in self.keys:
            self.findings.append(
                error(
                    "duplicate-id",
                    f"duplicate id: {key!r} is already used at line {self.keys[key].line}",
                    self.doc.location(id_path) if id_path else where,
                    article=self.doc.data.get("id"),
                )
            )
        self.keys[key] = where
        return Unit(
            key,
            kind,
            text,
            where,
            warning_id=warning[0] if warning else None,
            severity=warning[1] if warning else None,
        )

    def _get(self, path: JsonPath) -> Any:
        value: Any = self.doc.data
        for part in path:
            value = value[part]
        return value

    def block(self, section: str, path: JsonPath, raw: dict[str, Any]) -> Block:
        ((kind, body),) = raw.items()
        bpath = (*path, kind)
        bid = body["id"]
        if bid in RESERVED_IDS:
            self.findings.append(
                error("reserved-id", f"{bid!r} is reserved", self.doc.location((*bpath, "id")))
            )
        if kind == "paragraph":
            return Paragraph(
                bid,
                self.unit(f"{section}/{bid}", UnitKind.PARAGRAPH, (*bpath, "text"), (*bpath, "id")),
            )
        if kind == "list":
            self._claim(f"{section}/{bid}", (*bpath, "id"))
            items = tuple(
                self.unit(
                    f"{section}/{item['id']}",
                    UnitKind.LIST_ITEM,
                    (*bpath, "items", i, "text"),
                    (*bpath, "items", i, "id"),
                )
                for i, item in enumerate(body["items"])
            )
            return ListBlock(bid, items, self.doc.location(bpath))
        severity = Severity(body["severity"])
        if bid in self.warning_ids:
            self.findings.append(
                error(
                    "duplicate-id",
                    f"duplicate warning id {bid!r} (first at line {self.warning_ids[bid].line})",
                    self.doc.location((*bpath, "id")),
                )
            )
        self.warning_ids[bid] = self.doc.location((*bpath, "id"))
        ref = (bid, severity)
        lead = self.unit(
            f"{section}/{bid}", UnitKind.WARNING_LEAD, (*bpath, "lead"), (*bpath, "id"), ref
        )
        flags = tuple(
            self.unit(
                f"{section}/{bid}/{flag['id']}",
                UnitKind.RED_FLAG,
                (*bpath, "red_flags", i, "text"),
                (*bpath, "red_flags", i, "id"),
                ref,
            )
            for i, flag in enumerate(body.get("red_flags", []))
        )
        return WarningBlock(bid, severity, lead, flags, self.doc.location(bpath))

    def _claim(self, key: str, id_path: JsonPath) -> None:
        """Reserve an id that names a block but is not itself a unit (a list)."""
        if key in self.keys:
            self.findings.append(
                error(
                    "duplicate-id",
                    f"duplicate id: {key!r} is already used at line {self.keys[key].line}",
                    self.doc.location(id_path),
                )
            )
        self.keys[key] = self.doc.location(id_path)

    def article(self) -> Article:
        data = self.doc.data
        title = self.unit("title", UnitKind.TITLE, ("title",))
        category = (
            self.unit("category", UnitKind.CATEGORY, ("category",)) if "category" in data else None
        )
        sections = []
        seen_sections: dict[str, Location] = {}
        for i, raw in enumerate(data["sections"]):
            sid = raw["id"]
            where = self.doc.location(("sections", i, "id"))
            if sid in seen_sections or sid in ("title", "category"):
                self.findings.append(error("duplicate-id", f"duplicate section id {sid!r}", where))
            seen_sections[sid] = where
            heading = (
                self.unit(f"{sid}/heading", UnitKind.HEADING, ("sections", i, "heading"))
                if "heading" in raw
                else None
            )
            blocks = tuple(
                self.block(sid, ("sections", i, "blocks", j), block)
                for j, block in enumerate(raw["blocks"])
            )
            sections.append(Section(sid, heading, blocks, self.doc.location(("sections", i))))
        return Article(
            id=data["id"],
            path=self.doc.path,
            source_locale=data["source_locale"],
            published=datetime.date.fromisoformat(data["published"]),
            title=title,
            category=category,
            sections=tuple(sections),
        )


def load_article(file: Path, display_path: str, schema_file: Path) -> Article:
    """Read, validate and build one article; ContentError lists every problem found."""
    doc = read_yaml(file, display_path)
    findings = validate(doc, schema_file)
    if findings:
        raise ContentError(findings)
    builder = _Builder(doc)
    article = builder.article()
    expected = Path(display_path).stem
    if article.id != expected:
        builder.findings.append(
            error(
                "id-mismatch",
                f"article id {article.id!r} must match the file name {expected!r}",
                doc.location(("id",)),
            )
        )
    if builder.findings:
        raise ContentError(builder.findings)
    return article


# -- many articles: on every core, skipping files loaded before ---------------------------
def _cached(
    schema: bytes, cache: Cache, item: tuple[Path, str]
) -> tuple[Article | None, str | None]:
    """The article cached for these bytes (None if there is none) and its cache key
    (None if the file cannot be read or is too large: ``load_article`` reports it)."""
    file, display_path = item
    try:
        if file.stat().st_size > MAX_BYTES:
            return None, None
        key = article_key(cache, display_path, file.read_bytes(), schema)
    except OSError:
        return None, None
    return cached_article(cache, key), key


def _load_one(
    state: tuple[Path, bytes, Cache], item: tuple[Path, str]
) -> tuple[Article | None, str | None, list[Finding]]:
    """One article and the digest of what it was made from, or the findings that
    explain why it cannot be loaded; stored in the cache for the next run."""
    schema_file, schema, cache = state
    file, display_path = item
    article, key = _cached(schema, cache, item)
    if article is not None:
        return article, key, []
    try:
        article = load_article(file, display_path, schema_file)
    except ContentError as exc:
        return None, None, exc.findings
    if key is not None:
        keep_article(cache, key, article)
    return article, key, []


def load_articles(
    files: list[tuple[Path, str]], schema_file: Path, cache: Cache
) -> tuple[list[tuple[Article, str]], list[Finding]]:
    """``load_article`` for each (file, display path), in order, on every core and
    skipping files loaded before with the same bytes and schema. Returns each article
    with the sha256 of what it was made from (its path and bytes, the schema and
    careloc's code: a key for whatever is computed from it), and the findings of every
    file that could not be loaded."""
    # Cached articles are read here (sending them back from other processes costs
    # more than reading them); only the others are loaded on every core.
    none: tuple[Article | None, str | None] = (None, None)
    schema = read_schema(schema_file)  # unreadable: one error, not one per article
    cached = [_cached(schema, cache, item) if cache.enabled else none for item in files]
    missing = [item for item, (article, _) in zip(files, cached, strict=True) if article is None]
    state = (schema_file, schema, cache)
    loaded = iter(parallel.map_ordered(_load_one, state, missing, label="load"))
    results = [
        (article, key, []) if article is not None else next(loaded) for article, key in cached
    ]
    articles: list[tuple[Article, str]] = []
    findings: list[Finding] = []
    for article, key, problems in results:
        findings.extend(problems)
        if article is not None:
            articles.append((article, key or digest(repr(article))))
    return articles, findings
