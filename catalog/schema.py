"""Validate content against the JSON Schema files, with French messages.

The schema files in ``catalog/schemas/`` are the contract: editors use them for
completion, and this module turns every violation into a :class:`Problem`
with the line of the offending key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from functools import cache
from importlib import resources

import fastjsonschema

from .problems import quote
from .yamlfile import LineDict, LineList, to_plain

SCHEMA_NAMES = ("mission", "structure", "domains")


@cache
def load_schema(name: str) -> dict:
    """Return the parsed JSON Schema ``name`` (mission, structure or domains)."""
    text = resources.files("catalog.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator(name: str):
    """jsonschema's validator, for the messages about invalid content (imported then: a build
    of valid content, or a rebuild, never needs it)."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


@cache
def _fast_validator(name: str):
    """A compiled validator (fastjsonschema) for the common case: valid content.

    It only answers valid/invalid; on invalid content, jsonschema finds and
    describes every error. The schemas use draft-07 keywords only.
    """
    schema = {**load_schema(name), "$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(schema, formats={"date": _is_date})


def is_valid(name: str, data) -> bool:
    """Whether ``data`` (JSON-like) matches schema ``name``, quickly."""
    try:
        _fast_validator(name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def field_name(path) -> str:
    """Dotted field name; list items are shown 1-based in brackets: ``requirements[2]``."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part + 1}]"
        else:
            name += ("." if name else "") + str(part)
    return name


def line_of(data, path) -> int:
    """Line of the key or item at ``path`` in data loaded by :mod:`catalog.yamlfile`."""
    node, line = data, getattr(data, "line", 1)
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.line_of(part)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int):
            line = node.line_of(part)
            node = node[part] if part < len(node) else None
        else:
            break
    return line


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("s" if n > 1 else "")


def describe_expectation(schema: dict) -> str:
    """What a field must be, in French, from its subschema."""
    if "x-message" in schema:
        return schema["x-message"]
    kind = schema.get("type")
    if "enum" in schema:
        return "doit être l'une des valeurs suivantes : " + ", ".join(schema["enum"])
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"doit être un entier compris entre {low} et {high}"
        if low is not None:
            return f"doit être un entier supérieur ou égal à {low}"
        return "doit être un entier"
    if kind == "boolean":
        return "doit valoir true ou false"
    if kind == "array":
        return "doit être une liste (une ligne « - texte » par élément)"
    if kind == "object":
        return "doit être un bloc de champs « clé: valeur »"
    if schema.get("format") == "date":
        return "doit être une date au format AAAA-MM-JJ (par ex. 2020-03-30)"
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low and low > 1 and high:
        return f"doit être un texte de {low} à {high} caractères"
    if high:
        return f"doit être un texte non vide de {_plural(high, 'caractère')} au plus"
    if low:
        return "doit être un texte non vide"
    return "doit être un texte"


def _received(error) -> str:
    value = error.instance
    if error.validator in ("minLength", "maxLength") and isinstance(value, str):
        return f"reçu {_plural(len(value), 'caractère')}"
    if isinstance(value, (dict, list)):
        return "reçu un bloc" if isinstance(value, dict) else "reçu une liste"
    return "reçu " + quote(value)


def _unknown_key_message(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"champ inconnu ; vouliez-vous dire « {close[0]} » ?"
    return "champ inconnu (champs admis : " + ", ".join(allowed) + ")"


def schema_problems(name: str, data) -> list[tuple[int, str, str]]:
    """Check ``data`` against schema ``name``; return ``(line, field, message)`` triples."""
    if not isinstance(data, dict):
        return [(1, "", "le fichier doit contenir des champs « clé: valeur » (il est vide ou mal formé)")]
    plain = to_plain(data)
    if is_valid(name, plain):
        return []
    found: dict[tuple[int, str, str], None] = {}
    for error in _validator(name).iter_errors(plain):
        path = list(error.absolute_path)
        if error.validator == "required":
            parent = line_of(data, path)
            for key in error.validator_value:
                if isinstance(error.instance, dict) and key not in error.instance:
                    found[(parent if path else 1, field_name([*path, key]), "champ obligatoire manquant")] = None
        elif error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    line = line_of(data, [*path, key])
                    found[(line, field_name([*path, key]), _unknown_key_message(key, allowed))] = None
        else:
            message = f"{describe_expectation(error.schema)} ({_received(error)})"
            found[(line_of(data, path), field_name(path), message)] = None
    return list(found)
