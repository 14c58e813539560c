"""Read YAML content files, keeping the line of every key and list item.

Values come back as :class:`LineDict` / :class:`LineList` (plain ``dict`` and
``list`` subclasses) that remember where each key or item is, so that every
problem can be reported with its line. Duplicate keys and syntax errors are
turned into :class:`YamlSyntaxError` with a French message and a line.
"""

from __future__ import annotations

import datetime as dt

import yaml

try:  # libyaml's parser is several times faster; the constructor stays Python.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


class LineDict(dict):
    """A mapping that remembers the 1-based line of each key."""

    line: int = 1
    key_lines: dict

    def line_of(self, key: str) -> int:
        """Line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that remembers the 1-based line of each item."""

    line: int = 1
    item_lines: list

    def line_of(self, index: int) -> int:
        """Line of item ``index``."""
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class YamlSyntaxError(Exception):
    """The file is not valid YAML, or has a duplicate key."""

    def __init__(self, line: int, message: str, field: str = ""):
        self.line = line
        self.field = field
        super().__init__(message)


class _LineLoader(_BaseLoader):
    """Safe loader that records lines and refuses duplicate keys."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in mapping.key_lines:
                first = mapping.key_lines[key]
                raise YamlSyntaxError(line, f"clé en double (déjà définie ligne {first})", key)
            mapping.key_lines[key] = line
            mapping[key] = self.construct_object(value_node, deep=True)
        return mapping

    def construct_sequence(self, node, deep=False):
        seq = LineList(self.construct_object(child, deep=True) for child in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [child.start_mark.line + 1 for child in node.value]
        return seq

    def construct_yaml_timestamp(self, node):
        """Dates stay dates; an impossible date (30 février) stays text for the check."""
        try:
            value = super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)
        return value


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def _describe(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error)
    if "tab" in problem or "\\t" in problem:
        return "tabulation interdite : indentez avec des espaces"
    if "mapping values are not allowed" in problem:
        return "syntaxe YAML invalide : « : » inattendu (indentation incorrecte ou texte à mettre entre guillemets)"
    if "could not find expected ':'" in problem:
        return "syntaxe YAML invalide : « : » manquant après une clé"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "syntaxe YAML invalide : indentation incorrecte"
    if "found undefined alias" in problem or "found unhashable key" in problem:
        return f"syntaxe YAML invalide ({problem})"
    return f"syntaxe YAML invalide ({problem})"


def load_yaml(text: str):
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, _describe(error)) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(1, _describe(error)) from None


def to_plain(value):
    """Convert loaded YAML into JSON-like data (dates as ISO strings) for the schema."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
