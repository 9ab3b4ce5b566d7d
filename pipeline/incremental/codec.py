"""One codec for every cached record: typed values to bytes and back.

A record is compact JSON of nested lists behind a one-line header naming its kind
and the codec's version (``verdicts 1``). The shape of the JSON follows the type:
a dataclass is the list of its fields in order, an enum its value, a date its ISO
form, a tuple or list a list, a mapping an object with string keys, a union of
dataclasses a list tagged with the class's name. Decoding checks every value
against its type (a ``str`` field takes only a string, ``bool`` only a boolean),
and anything else (another kind, another version, damaged or truncated bytes, a
value of the wrong type) is ``None``: a miss, never an exception.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["VERSION", "Malformed", "Shape", "converters", "pack", "unpack"]

VERSION = 1
"""Bumped whenever the shape of any record changes (entries of another version miss)."""

T = TypeVar("T")
Convert = Callable[[Any], Any]


class Malformed(ValueError):
    """A value does not have the shape of its type."""


def pack(kind: str, plain: object) -> bytes:
    """``plain`` (JSON-ready data, as ``Shape.to_plain`` gives) as a record of ``kind``."""
    body = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return f"{kind} {VERSION}\n{body}".encode()


def unpack(kind: str, data: bytes | None) -> Any | None:
    """The JSON data of a record made by ``pack`` for ``kind``; None if ``data`` is
    missing, of another kind or version, or not JSON."""
    if data is None:
        return None
    head, newline, body = data.partition(b"\n")
    if not newline or head != f"{kind} {VERSION}".encode():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


class Shape(Generic[T]):
    """How values of one type become JSON data and back (see the module's docstring).

    ``given``: fields of a dataclass that are not kept (its inputs, known to whoever
    reads the record back); they are passed to ``from_plain``."""

    def __init__(self, cls: type[T], *, given: Sequence[str] = ()) -> None:
        self.cls = cls
        self.given = tuple(given)
        self._encode, self._decode = _dataclass(cls, self.given)

    def to_plain(self, value: T) -> Any:
        return self._encode(value)

    def from_plain(self, plain: Any, given: Mapping[str, object] | None = None) -> T | None:
        """The value ``to_plain`` gave ``plain`` for; None if ``plain`` is not one."""
        try:
            value: T = self._decode(plain, given or {})
        except (Malformed, ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None
        return value


# -- the converters, made once per type ---------------------------------------------------------
def _fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")]


def _dataclass(
    cls: type, given: tuple[str, ...] = ()
) -> tuple[Convert, Callable[[Any, Mapping[str, object]], Any]]:
    hints = typing.get_type_hints(cls)
    fields = _fields(cls)
    unknown = set(given) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    kept = [f.name for f in fields if f.name not in given]
    pairs = [converters(hints[name]) for name in kept]
    encoders = [e for e, _ in pairs]
    decoders = [d for _, d in pairs]
    size = len(kept)
    make: Callable[..., Any] = cls

    def encode(value: Any) -> Any:
        return [enc(getattr(value, name)) for enc, name in zip(encoders, kept, strict=True)]

    if not given:

        def decode(plain: Any, _given: Mapping[str, object] = {}) -> Any:
            if type(plain) is not list or len(plain) != size:
                raise Malformed(cls.__name__)
            return make(*[dec(v) for dec, v in zip(decoders, plain, strict=True)])

        return encode, decode

    def decode_given(plain: Any, known: Mapping[str, object]) -> Any:
        if type(plain) is not list or len(plain) != size:
            raise Malformed(cls.__name__)
        values = {name: dec(v) for name, dec, v in zip(kept, decoders, plain, strict=True)}
        return make(**values, **{name: known[name] for name in given})

    return encode, decode_given


def _same(value: Any) -> Any:
    return value


def _exactly(kind: type) -> Convert:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise Malformed(kind.__name__)
        return value

    return check


def converters(hint: Any) -> tuple[Convert, Convert]:
    """(encode, decode) for values of the type ``hint``."""
    if hint in (str, int, bool, float):
        return _same, _exactly(hint)
    if hint is type(None):
        return _same, _exactly(type(None))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = hint._value2member_map_
        return (lambda value: value.value), (lambda value: members[value])
    if hint is datetime.date:
        return (lambda value: value.isoformat()), (
            lambda value: datetime.date.fromisoformat(_exactly(str)(value))
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        encode, decode = _dataclass(hint)
        return encode, (lambda plain: decode(plain, {}))
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _union(args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_enc, item_dec = converters(args[0])
        return (lambda value: [item_enc(v) for v in value]), (
            lambda plain: tuple(item_dec(v) for v in _exactly(list)(plain))
        )
    if origin is tuple:
        pairs = [converters(a) for a in args]
        return (lambda value: [enc(v) for (enc, _), v in zip(pairs, value, strict=True)]), (
            lambda plain: tuple(
                dec(v) for (_, dec), v in zip(pairs, _exactly(list)(plain), strict=True)
            )
        )
    if origin is list:
        item_enc, item_dec = converters(args[0])
        return (lambda value: [item_enc(v) for v in value]), (
            lambda plain: [item_dec(v) for v in _exactly(list)(plain)]
        )
    if origin in (dict, Mapping) and args[0] is str:
        value_enc, value_dec = converters(args[1])

        def decode_map(plain: Any) -> dict[str, Any]:
            found = {k: value_dec(v) for k, v in _exactly(dict)(plain).items()}
            if not all(type(k) is str for k in found):
                raise Malformed("mapping")
            return found

        return (lambda value: {k: value_enc(v) for k, v in value.items()}), decode_map
    raise TypeError(f"no codec for {hint!r}")


def _union(args: tuple[Any, ...]) -> tuple[Convert, Convert]:
    """``X | None``, or a union of dataclasses (tagged by class name)."""
    if type(None) in args and len(args) == 2:
        inner_enc, inner_dec = converters(next(a for a in args if a is not type(None)))
        return (lambda value: None if value is None else inner_enc(value)), (
            lambda plain: None if plain is None else inner_dec(plain)
        )
    if all(isinstance(a, type) and dataclasses.is_dataclass(a) for a in args):
        by_name = {a.__name__: _dataclass(a) for a in args}

        def encode(value: Any) -> Any:
            name = type(value).__name__
            return [name, by_name[name][0](value)]

        def decode(plain: Any) -> Any:
            name, fields = _exactly(list)(plain)
            return by_name[name][1](fields, {})

        return encode, decode
    raise TypeError(f"no codec for the union {args!r}")
