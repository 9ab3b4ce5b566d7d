"""Articles already loaded: the article of these bytes, or load it.

An article is found by the sha256 of its file's path and bytes, the article schema
and careloc's code; its record is the complete ``Article`` (units, blocks, care
cards and where each came from)."""

from __future__ import annotations

from pipeline.cache import Cache
from pipeline.incremental.codec import Shape, pack, unpack
from pipeline.model import Article

__all__ = [
    "KIND",
    "article_key",
    "cached_article",
    "decode_article",
    "encode_article",
    "keep_article",
]

KIND = "articles"
_RECORD = Shape(Article)


def encode_article(article: Article) -> bytes:
    """``article`` as the bytes of its record."""
    return pack(KIND, _RECORD.to_plain(article))


def decode_article(data: bytes | None) -> Article | None:
    """The article of a record made by ``encode_article``; None if it is not one."""
    return _RECORD.from_plain(unpack(KIND, data))


def article_key(cache: Cache, display_path: str, data: bytes, schema: bytes) -> str:
    """The key of the article loaded from ``data`` (the file at ``display_path``)."""
    return cache.key(KIND, display_path, data, schema)


def cached_article(cache: Cache, key: str) -> Article | None:
    """The article kept under ``key``, if there is one that reads back."""
    return decode_article(cache.get(KIND, key))


def keep_article(cache: Cache, key: str, article: Article) -> None:
    """Keep ``article`` under ``key`` for the next run."""
    cache.put(KIND, key, encode_article(article))
