"""The JSON Schema files: valid, and every field documented in the README."""

import re

import pytest
from jsonschema import Draft202012Validator

from catalog.schema import SCHEMA_NAMES, load_schema
from tests.helpers import ROOT


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name):
    Draft202012Validator.check_schema(load_schema(name))


def _fields(schema, prefix=""):
    for key, sub in schema.get("properties", {}).items():
        yield prefix + key
        if sub.get("type") == "object":
            yield from _fields(sub, prefix + key + ".")
        if sub.get("type") == "array" and sub.get("items", {}).get("type") == "object":
            yield from _fields(sub["items"], prefix + key + "[].")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_field_is_documented_in_the_readme(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)`", readme, flags=re.M))
    missing = [f for f in _fields(load_schema(name)) if f not in documented and f.split(".")[-1] not in documented]
    assert missing == []


def test_content_files_point_editors_at_the_schemas():
    for path in (ROOT / "content" / "missions").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../catalog/schemas/mission.schema.json", path
