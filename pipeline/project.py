"""The project on disk: where sources, catalogs and schemas live, and the locale policy."""

from __future__ import annotations

import functools
import io
import os
import re
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError

from pipeline.cache import Cache, digest
from pipeline.emergency import emergency_number
from pipeline.errors import ContentError, UsageError
from pipeline.model import Article, Finding, Location, error
from pipeline.schema import validate
from pipeline.source import load_articles
from pipeline.yamlfile import read_yaml

__all__ = [
    "CONFIG_PATH",
    "PSEUDO_LOCALE",
    "LocalePolicy",
    "Project",
    "find_root",
    "parse_locale",
    "register_locale",
    "source_date_epoch",
    "to_bcp47",
]

LOCALE_RE = re.compile(r"\A[a-z]{2,3}(_[A-Za-z0-9]{2,8})*\Z")
ARTICLE_ID_RE = re.compile(r"\A[a-z0-9]+(-[a-z0-9]+)*\Z")
CONFIG_PATH = "locales/locales.yaml"
PSEUDO_LOCALE = "qps_ploc"
"""The pseudo-locale (BCP 47 ``qps-ploc``) that ``careloc pseudo`` writes: accented,
padded English for layout testing, never published. CLDR has no data for it, so it
is treated as English: left to right, English plural rules and dates."""


def to_bcp47(code: str) -> str:
    """``pt_BR`` -> ``pt-BR``: gettext directory names to the tags HTML and JSON use."""
    return code.replace("_", "-")


@functools.lru_cache(maxsize=1024)
def parse_locale(code: str) -> Locale:
    """Parse a gettext-style locale name; raise ValueError with a reason if it is not one.
    (Remembered: every page asks for each locale it links to.)"""
    if not LOCALE_RE.fullmatch(code):
        raise ValueError(f"{code!r} is not a locale name like es, pt_BR or zh_Hans")
    if code == PSEUDO_LOCALE:
        return Locale("en")
    try:
        return Locale.parse(code)
    except UnknownLocaleError:
        raise ValueError(f"unknown locale {code!r}: CLDR has no data for it") from None
    except ValueError as exc:
        raise ValueError(f"unknown locale {code!r}: {exc}") from None


@dataclass(frozen=True)
class LocalePolicy:
    """One target locale and what the gate demands of it."""

    code: str
    status: str
    min_completion: float
    require_review: bool
    location: Location
    region: str | None = None
    """ISO 3166-1 alpha-2 region whose emergency number the care cards show."""
    emergency_number: str | None = None
    """The number emergency care cards tell readers to call (checked against ``region``);
    None without a region."""

    @property
    def bcp47(self) -> str:
        return to_bcp47(self.code)

    @property
    def published(self) -> bool:
        return self.status == "published"

    @cached_property
    def babel(self) -> Locale:
        return parse_locale(self.code)


@dataclass(frozen=True)
class Config:
    source_locale: str
    locales: tuple[LocalePolicy, ...]
    path: str

    def policy(self, code: str) -> LocalePolicy | None:
        for policy in self.locales:
            if policy.code == code:
                return policy
        return None


def load_config(root: Path, schema_file: Path) -> Config:
    doc = read_yaml(root / CONFIG_PATH, CONFIG_PATH)
    findings = validate(doc, schema_file)
    if findings:
        raise ContentError(findings)
    data = doc.data
    defaults = data.get("defaults", {})
    policies: list[LocalePolicy] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["locales"]):
        where = doc.location(("locales", i, "code"))
        code = raw["code"]
        try:
            parse_locale(code)
        except ValueError as exc:
            findings.append(error("unknown-locale", str(exc), where))
            continue
        if code in seen:
            findings.append(error("duplicate-locale", f"locale {code!r} is listed twice", where))
        if code == data["source_locale"]:
            findings.append(
                error("source-locale", f"{code!r} is the source locale, not a target", where)
            )
        if code == PSEUDO_LOCALE and raw["status"] != "draft":
            findings.append(
                error(
                    "pseudo-locale",
                    f"{code!r} is the pseudo-locale: it is for testing and can only be 'draft'",
                    doc.location(("locales", i, "status")),
                )
            )
        seen.add(code)
        region = raw.get("region")
        number = emergency_number(region, raw.get("emergency_number"))
        if number.problem is not None:
            key = "emergency_number" if "emergency_number" in raw else "region"
            findings.append(
                error("emergency-number", number.problem, doc.location(("locales", i, key)))
            )
        policies.append(
            LocalePolicy(
                code=code,
                status=raw["status"],
                min_completion=float(
                    raw.get("min_completion", defaults.get("min_completion", 100))
                ),
                require_review=bool(
                    raw.get("require_review", defaults.get("require_review", False))
                ),
                location=where,
                region=region,
                emergency_number=number.number,
            )
        )
    if findings:
        raise ContentError(findings)
    return Config(data["source_locale"], tuple(policies), CONFIG_PATH)


def find_root(start: Path) -> Path:
    """The project ``start`` is in, found as git finds its repository: ``start`` or the
    nearest directory above it that has ``locales/locales.yaml``. UsageError if none has."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_PATH).is_file():
            return folder
    raise UsageError(
        [
            error(
                "no-project",
                f"not a careloc project (no {CONFIG_PATH} in {start} or any directory "
                "above it); use --root DIR",
            )
        ]
    )


class Project:
    """A careloc project rooted at a directory (the current one unless ``--root``).
    Creating one reads nothing; ``load()`` reads the articles, once."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UsageError([error("no-project", f"{root} is not a directory")])
        self.root = root.resolve()
        self._config: Config | None = None
        self._articles: tuple[Article, ...] | None = None
        self._digests: dict[int, tuple[Article, str]] = {}
        self._folders: dict[str, bool] = {}
        """Folder -> whether it resolves inside the project (see ``inside``)."""
        self._prefix = f"{self.root}/"
        self._locales = self.root / "locales"
        self._locale_dirs: dict[str, Path] = {}

    # -- paths -----------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        """Project-relative POSIX path, as findings and PO references print it."""
        text = str(path)
        if os.sep == "/" and text.startswith(self._prefix):  # what relative_to gives
            return text[len(self._prefix) :]
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return text

    def inside(self, path: Path) -> Path:
        """Refuse paths that resolve (through ``..`` or symlinks) outside the project."""
        if not self._resolves_inside(path):
            raise ContentError(
                [
                    error(
                        "outside-project",
                        f"resolves to {path.resolve()}, outside the project; refusing to use it",
                        Location(self.rel(path)),
                    )
                ]
            )
        return path

    def _resolves_inside(self, path: Path) -> bool:
        """Whether ``path.resolve()`` is in the project, with each directory resolved
        once for this project (one command): a build asks for thousands of files in a
        few folders. A file that is itself a link (or cannot be looked at) is resolved
        in full."""
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode) or path.name in ("", ".", ".."):
                return path.resolve().is_relative_to(self.root)
        except OSError:
            return path.resolve().is_relative_to(self.root)
        folder = os.path.dirname(path)
        inside = self._folders.get(folder)
        if inside is None:
            inside = self._folders[folder] = path.parent.resolve().is_relative_to(self.root)
        return inside

    def schema(self, name: str) -> Path:
        return self.root / "schemas" / f"{name}.schema.json"

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self._locales

    def template_path(self, article_id: str) -> Path:
        return self.locales_dir / "templates" / f"{article_id}.pot"

    def locale_dir(self, locale: str) -> Path:
        """``locales/<locale>``: its PO files (in ``LC_MESSAGES``), termbase and sign-offs."""
        found = self._locale_dirs.get(locale)
        if found is None:
            found = self._locale_dirs[locale] = self._locales / locale
        return found

    def po_path(self, locale: str, article_id: str) -> Path:
        return self.locale_dir(locale) / f"LC_MESSAGES/{article_id}.po"

    # -- content ---------------------------------------------------------------------
    def load(self) -> Project:
        """Read and validate ``locales/locales.yaml`` and every source article, once
        (the articles on every core, skipping files unchanged since a previous run).
        ContentError lists the problems of the configuration and of all files together.
        Returns the project: ``Project(root).load().articles``."""
        if self._articles is not None:
            return self
        findings: list[Finding] = []
        try:
            self._read_config()
        except ContentError as exc:
            findings.extend(exc.findings)
        try:
            articles = self._load_articles()
        except ContentError as exc:
            findings.extend(exc.findings)
        if findings:
            raise ContentError(findings)
        self._articles = articles
        return self

    @property
    def config(self) -> Config:
        """The locale policy, read and validated on first use: one small file, no worker
        processes and no cache, so reading it needs no ``load()`` (ContentError if invalid)."""
        return self._read_config()

    def _read_config(self) -> Config:
        if self._config is None:
            self.inside(self.root / CONFIG_PATH)
            self._config = load_config(self.root, self.schema("locales"))
        return self._config

    def source_files(self) -> list[Path]:
        if not self.source_dir.is_dir():
            raise ContentError([error("no-source", "no source/ directory", Location("source"))])
        files = sorted(p for p in self.source_dir.iterdir() if p.suffix in (".yaml", ".yml"))
        findings: list[Finding] = []
        for path in files:
            if not ARTICLE_ID_RE.fullmatch(path.stem) or path.suffix != ".yaml":
                findings.append(
                    error(
                        "bad-filename",
                        "source files must be named <article-id>.yaml with ids like "
                        "'numbness-of-the-legs'",
                        Location(self.rel(path)),
                    )
                )
        if findings:
            raise ContentError(findings)
        files = [self.inside(p) for p in files]
        # A FIFO or device under source/ would block or never end when read.
        odd = [p for p in files if not p.is_file()]
        if odd:
            raise ContentError(
                error(
                    "not-a-file", "not a regular file; refusing to read it", Location(self.rel(p))
                )
                for p in odd
            )
        return files

    def _load_articles(self) -> tuple[Article, ...]:
        files = [(path, self.rel(path)) for path in self.source_files()]
        loaded, findings = load_articles(files, self.schema("article"), Cache(self.root))
        if findings:
            raise ContentError(findings)
        self._digests = {id(article): (article, key) for article, key in loaded}
        return tuple(article for article, _ in loaded)

    @property
    def articles(self) -> tuple[Article, ...]:
        """Every source article, as ``load()`` read and validated them."""
        if self._articles is None:
            raise RuntimeError("Project.articles was read before Project.load()")
        return self._articles

    def article_digest(self, article: Article) -> str:
        """sha256 of everything ``article`` was loaded from (its file's path and bytes,
        the schema, careloc's code): the key of whatever is computed from it."""
        if self._articles is None:
            raise RuntimeError("Project.article_digest() was called before Project.load()")
        known = self._digests.get(id(article))
        if known is not None and known[0] is article:
            return known[1]
        return digest("article", repr(article))  # not one of this project's own objects

    def article(self, article_id: str) -> Article:
        for article in self.articles:
            if article.id == article_id:
                return article
        raise UsageError([error("unknown-article", f"no article {article_id!r} in source/")])

    def target_locales(self, only: list[str] | None = None) -> list[str]:
        """Locale codes to work on: ``only`` (validated) or every configured locale."""
        known = [p.code for p in self.config.locales]
        if not only:
            return known
        codes = []
        for raw in only:
            code = raw.replace("-", "_")
            if code not in known:
                raise UsageError(
                    [
                        error(
                            "unknown-locale",
                            f"locale {raw!r} is not in {CONFIG_PATH} (known: {', '.join(known)})",
                        )
                    ]
                )
            codes.append(code)
        return codes


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as an int, if set (reproducible-builds.org)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value and value.isdigit() else None


def register_locale(text: str, code: str) -> str:
    """``locales/locales.yaml`` (``text``) with ``{code: <code>, status: draft}`` added at
    the end of its locale list, every comment, key order and style kept (a round trip
    through ruamel.yaml, indented as the file already is)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap what the editor wrote
    indent = re.search(r"^locales:[^\n]*\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", text, re.MULTILINE)
    offset = len(indent.group(1)) if indent else 2
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    document = yaml.load(text)
    entries = document["locales"]
    entry = CommentedMap([("code", code), ("status", "draft")])
    if entries and getattr(entries[-1], "fa", None) is not None and entries[-1].fa.flow_style():
        entry.fa.set_flow_style()
    entries.append(entry)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()
