"""The schema validator: jsonschema-rs answers "valid?", jsonschema explains "why not?";
the two must agree, and a broken schema file is an error, not a traceback."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.export import Renderer
from pipeline.project import Project
from pipeline.schema import Validator
from pipeline.yamlfile import read_yaml

from .conftest import DATA, REPO

ARTICLE_SCHEMA = json.loads((REPO / "schemas" / "article.schema.json").read_text())
BUNDLE_SCHEMA = json.loads((REPO / "schemas" / "bundle.schema.json").read_text())


def _bundle() -> Any:
    article = Project(REPO).load().article("numbness-of-the-legs")
    return json.loads(Renderer().render(article, "en", {}, ["en"]).json)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Any], None]:
    def damage(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[path[-1]] = value

    return damage


BUNDLE_DAMAGE = {
    "bad date": _set(("published",), "2012-13-45"),
    "bad severity": _set(("warnings", 0, "severity"), "mild"),
    "unknown key": _set(("extra",), 1),
    "locale pattern": _set(("locale",), "../etc"),
    "number for text": _set(("title",), 5),
    "dir": _set(("dir",), "up"),
}


def test_valid_documents_pass_both() -> None:
    bundle = Validator(BUNDLE_SCHEMA)
    assert bundle.fast.is_valid(_bundle())
    assert list(bundle.iter_errors(_bundle())) == []
    article = read_yaml(REPO / "source" / "numbness-of-the-legs.yaml", "x.yaml").data
    assert list(Validator(ARTICLE_SCHEMA).iter_errors(article)) == []


@pytest.mark.slow
@pytest.mark.parametrize("damage", BUNDLE_DAMAGE.values(), ids=list(BUNDLE_DAMAGE))
def test_both_validators_reject_a_damaged_bundle(damage: Callable[[Any], None]) -> None:
    bundle = copy.deepcopy(_bundle())
    damage(bundle)
    validator = Validator(BUNDLE_SCHEMA)
    assert not validator.fast.is_valid(bundle)
    errors = list(validator.full.iter_errors(bundle))
    assert errors, "jsonschema accepts what jsonschema-rs rejects"
    assert [e.message for e in validator.iter_errors(bundle)] == [e.message for e in errors]


@pytest.mark.parametrize("name", ["bad-id", "boolean-text", "duplicate-id", "many-errors"], ids=str)
def test_both_validators_reject_the_bad_source_fixtures(name: str) -> None:
    data = read_yaml(DATA / "source" / f"{name}.yaml", f"{name}.yaml").data
    validator = Validator(ARTICLE_SCHEMA)
    full = list(validator.full.iter_errors(data))
    assert validator.fast.is_valid(data) == (not full)


def test_a_disagreement_is_an_error_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    validator = Validator(BUNDLE_SCHEMA)

    class Refuses:
        def is_valid(self, instance: Any) -> bool:
            return False

        def iter_errors(self, instance: Any) -> Any:
            return iter([])

    monkeypatch.setattr(validator, "fast", Refuses())
    errors = list(validator.iter_errors(_bundle()))
    assert [e.message for e in errors] == ["rejected by the schema"]


@pytest.mark.parametrize(
    ("schema", "change", "command"),
    [
        ("article", lambda s: s["properties"]["id"].update(type=5), "validate"),
        ("bundle", lambda s: s["properties"]["locale"].update(pattern="(?P=x"), "build"),
    ],
    ids=["article-type", "bundle-regex"],
)
def test_a_broken_schema_file_is_reported_with_its_name(
    project_copy: Path, run: Any, schema: str, change: Any, command: str
) -> None:
    path = project_copy / "schemas" / f"{schema}.schema.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    code, _, err = run(project_copy, command)
    assert code == 1
    assert "Traceback" not in err
    assert f"{schema}.schema.json" in err and "[schema-invalid]" in err, err
    assert not (project_copy / "dist").exists()


@pytest.mark.slow
def test_jsonschema_is_imported_only_for_a_rejected_document(tmp_path: Path) -> None:
    """Valid documents (every article, bundle and policy of a clean run) are checked by
    jsonschema-rs alone: jsonschema is imported, and its messages made, only once a
    document is rejected."""
    script = """
import json, sys
from pathlib import Path
from pipeline import cli  # noqa: F401  (everything a command imports)
from pipeline.schema import validator
check = validator(Path(sys.argv[1]))
valid = list(check.iter_errors(json.loads(Path(sys.argv[2]).read_text())))
seen = ["jsonschema" in sys.modules]
messages = [e.message for e in check.iter_errors({"id": 1})]
print(json.dumps([valid, seen[0], messages, "jsonschema" in sys.modules]))
"""
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(_bundle()))
    found = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "schemas" / "bundle.schema.json"), str(bundle)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    valid, imported_for_valid, messages, imported_for_invalid = json.loads(found.stdout)
    assert valid == [] and not imported_for_valid
    assert messages and imported_for_invalid
