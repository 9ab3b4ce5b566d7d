"""JSON Schema validation that reports every violation, each at its line in the YAML."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from pipeline.errors import ContentError
from pipeline.files import read_bounded
from pipeline.model import Finding, Location, error
from pipeline.yamlfile import YamlDocument

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["Validator", "read_schema", "validate", "validator"]


class Validator:
    """One schema file, compiled twice: by jsonschema-rs, which answers "valid?" about
    a hundred times faster, and by jsonschema, whose errors (paths, messages, the
    failing keyword) careloc reports. Valid documents, the usual case by far (every
    exported bundle is validated), never reach the slow path; an invalid one gets
    jsonschema's full account. Both implement Draft 2020-12 with format checking; a
    document the fast validator rejects and jsonschema accepts gets a plain error
    rather than a pass (see ``iter_errors``)."""

    def __init__(self, schema: Any) -> None:
        """ValueError if ``schema`` is not a valid schema (the reason, and where)."""
        self.schema = schema
        try:
            checked = jsonschema_rs.meta.is_valid(schema)
        except (ValueError, TypeError):
            checked = False
        if not checked:  # jsonschema says what is wrong with it
            try:
                self._full_class().check_schema(schema)
            except _jsonschema().exceptions.SchemaError as exc:
                at = "/".join(map(str, exc.absolute_path)) or "(top level)"
                raise ValueError(f"{at}: {exc.message}") from None
        self.fast = jsonschema_rs.validator_for(schema, validate_formats=True)
        self._full: Any = None

    def _full_class(self) -> Any:
        jsonschema = _jsonschema()
        return jsonschema.validators.validator_for(
            self.schema, default=jsonschema.Draft202012Validator
        )

    @property
    def full(self) -> Any:
        """jsonschema's validator, made when a document is first rejected (a command
        that meets only valid documents never imports jsonschema, a tenth of a second)."""
        if self._full is None:
            cls = self._full_class()
            self._full = cls(inline_refs(self.schema), format_checker=cls.FORMAT_CHECKER)
        return self._full

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """Every violation of the schema by ``instance``; none if it is valid."""
        try:
            if self.fast.is_valid(instance):
                return
        except ValueError:  # a value JSON does not have (a date object): jsonschema decides
            pass
        errors = list(self.full.iter_errors(instance))
        if not errors:  # the two disagree: trust neither, report the fast one's reason
            fast = next(self.fast.iter_errors(instance), None)
            error_class = _jsonschema().exceptions.ValidationError
            errors = [error_class(fast.message if fast else "rejected by the schema")]
        yield from errors


def _jsonschema() -> ModuleType:
    """jsonschema, imported when first needed."""
    import jsonschema

    return jsonschema


SCHEMA_LIMIT = 1 << 20
"""A schema is a few kilobytes; a bigger file is not one (or is ``/dev/zero``)."""


def read_schema(schema_file: Path) -> bytes:
    """The bytes of a schema file, through the bounded reader: a FIFO, a device or a
    link to one, or an oversized file is refused (``not-a-file``, ``too-large``) with
    the file's name, never read without end or waited on."""
    try:
        return read_bounded(schema_file, SCHEMA_LIMIT, str(schema_file))
    except ContentError as exc:
        raise ContentError(
            [
                error("schema-missing", f"cannot read schema: {f.message}", f.location)
                if f.code == "unreadable"
                else f
                for f in exc.findings
            ]
        ) from None


@cache
def validator(schema_file: Path) -> Validator:
    """The compiled Draft 2020-12 validator (with format checking) for one schema file."""
    data = read_schema(schema_file)
    try:
        schema = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise ContentError(
            [error("schema-missing", f"cannot read schema: {exc}", Location(str(schema_file)))]
        ) from None
    try:
        return Validator(schema)
    except ValueError as exc:  # from jsonschema-rs, or jsonschema's check of the schema
        raise ContentError(
            [
                error(
                    "schema-invalid",
                    f"not a valid JSON Schema (Draft 2020-12): {exc}",
                    Location(str(schema_file)),
                )
            ]
        ) from None


_SCOPED = frozenset({"$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"})


def inline_refs(schema: Any) -> Any:
    """The same schema with every local ``{"$ref": "#/$defs/<name>"}`` replaced by the
    definition it names (siblings of the ``$ref`` kept beside it in an ``allOf``).

    It accepts and rejects exactly what the original does, with the same error
    messages, but jsonschema no longer resolves a reference at every step: bundles
    and articles validate about twice as fast. Recursive definitions, and schemas that
    change their base URI inside, are left as they are."""
    if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict):
        return schema
    defs: dict[str, Any] = schema["$defs"]

    def scoped(node: Any) -> bool:
        if isinstance(node, dict):
            return bool(_SCOPED & node.keys()) or any(scoped(v) for v in node.values())
        return isinstance(node, list) and any(scoped(v) for v in node)

    if any(scoped(v) for v in defs.values()) or scoped(
        {k: v for k, v in schema.items() if k not in ("$defs", "$id")}
    ):
        return schema

    def inline(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(v, seen) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        name = (
            ref[len("#/$defs/") :] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        )
        out = {k: inline(v, seen) for k, v in node.items() if k != "$ref" or name is None}
        if name is None:
            return out
        if name not in defs or name in seen or "/" in name or "~" in name:
            out["$ref"] = ref  # recursive, or not a plain name: jsonschema resolves it
            return out
        target = inline(defs[name], (*seen, name))
        if not out:
            return target
        return {**out, "allOf": [*out.get("allOf", []), target]}

    return {k: (v if k == "$defs" else inline(v, ())) for k, v in schema.items()}


def _leaf_errors(err: ValidationError) -> Iterator[ValidationError]:
    if err.context:
        for sub in err.context:
            yield from _leaf_errors(sub)
    else:
        yield err


# Where a violation is, named as the editor wrote it: list entries by their id.
_ENTRY = {
    "sections": "section",
    "blocks": "block",
    "items": "item",
    "red_flags": "red flag",
    "locales": "locale",
}
_ENTRY_IDS = ("id", "code")  # what names an entry (``code`` in locales.yaml)
# Mappings whose keys are names (reviews.yaml: article id -> unit -> sign-off).
_NAMED_KEYS = {"reviews": ("article", "unit")}


def describe(data: Any, path: Sequence[str | int]) -> str:
    """``path`` in words an editor can follow: ``section `causes`, block `conditions`,
    text`` rather than ``sections/5/blocks/0/paragraph/text``. Entries of a list are
    named by their id (by their position, counted from 1, if they have none)."""
    words: list[str] = []
    value = data
    named: tuple[str, ...] = ()
    parent: str | int | None = None
    i = 0
    while i < len(path):
        part = path[i]
        child = _child(value, part)
        if isinstance(part, int):
            noun = _ENTRY.get(parent, "entry") if isinstance(parent, str) else "entry"
            name = _entry_id(child)
            # A block is ``{kind: {id: ...}}``: its id is one level down.
            if name is None and isinstance(child, dict) and len(child) == 1:
                ((kind, body),) = child.items()
                if i + 1 < len(path) and path[i + 1] == kind:
                    name = _entry_id(body)
                    if name is not None:
                        i += 1
                        child = body
            words.append(f"{noun} `{name}`" if name is not None else f"{noun} {part + 1}")
        elif named:
            words.append(f"{named[0]} `{part}`")
            named = named[1:]
        elif i == 0 and part in _NAMED_KEYS:  # its keys name what is inside
            named = _NAMED_KEYS[part]
            if i + 1 == len(path):
                words.append(str(part))
        elif not (i + 1 < len(path) and isinstance(path[i + 1], int)):  # else named by its entry
            words.append(str(part))
        parent, value = part, child
        i += 1
    return ", ".join(words) or "top level"


def _child(value: Any, part: str | int) -> Any:
    if isinstance(part, int) and isinstance(value, list) and 0 <= part < len(value):
        return value[part]
    if isinstance(part, str) and isinstance(value, dict):
        return value.get(part)
    return None


def _entry_id(entry: Any) -> str | None:
    if isinstance(entry, dict):
        for key in _ENTRY_IDS:
            if isinstance(entry.get(key), str) and entry[key].strip():
                return str(entry[key])
    return None


def _message(err: ValidationError, data: Any) -> tuple[str, str]:
    where = describe(data, tuple(err.absolute_path))
    if err.validator == "type" and isinstance(err.instance, bool):
        return (
            "not-text",
            f"{where}: expected {err.validator_value}, got a boolean: "
            "YAML reads unquoted yes/no/on/off/true/false as booleans; quote the text",
        )
    if err.validator == "type" and err.validator_value == "string" and err.instance is not None:
        return (
            "not-text",
            f"{where}: expected text, got {type(err.instance).__name__} {err.instance!r}; quote it",
        )
    if (err.validator == "pattern" and err.validator_value == r"\S") or (
        err.validator == "minLength" and err.instance == ""
    ):
        return "schema", f"{where}: the text is empty; write it, or remove the entry"
    if (
        err.validator == "enum"
        and isinstance(err.instance, str)
        and isinstance(err.validator_value, list)
    ):
        allowed = [str(v) for v in err.validator_value]
        close = difflib.get_close_matches(err.instance, allowed, n=1, cutoff=0.6)
        if close:
            return "schema", f"{where}: {err.message}; did you mean `{close[0]}`?"
    return "schema", f"{where}: {err.message}"


def unknown_key(key: str, known: Iterable[str], where: str) -> str:
    """The message for a key the schema does not allow here, with the likely fix."""
    allowed = sorted(known)
    message = f"unknown key `{key}` " + (
        "at the top level" if where == "top level" else f"in {where}"
    )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    if allowed:
        return f"{message}; allowed here: {', '.join(f'`{k}`' for k in allowed)}"
    return message


def validate(doc: YamlDocument, schema_file: Path, **context: str | None) -> list[Finding]:
    """All schema violations of ``doc``, in file order, each located at its line."""
    findings: list[Finding] = []
    for err in validator(schema_file).iter_errors(doc.data):
        for leaf in _leaf_errors(err):
            path = tuple(leaf.absolute_path)
            if leaf.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
                leaf.instance, dict
            ):
                schema = leaf.schema if isinstance(leaf.schema, dict) else {}
                known = set(schema.get("properties", {}))
                where = describe(doc.data, path)
                for key in leaf.instance:
                    if key not in known:
                        findings.append(
                            error(
                                "unknown-key",
                                unknown_key(key, known, where),
                                doc.location((*path, key), key=True),
                                **context,
                            )
                        )
                continue
            code, message = _message(leaf, doc.data)
            findings.append(error(code, message, doc.location(path), **context))
    findings.sort(
        key=lambda f: (f.location.line or 0, f.location.column or 0) if f.location else (0, 0)
    )
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.code, f.message, f.location)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
