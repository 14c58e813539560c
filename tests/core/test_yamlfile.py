"""YAML reading: lines of keys and items, duplicates, syntax errors in French."""

import datetime as dt

import pytest

from catalog.yamlfile import YamlSyntaxError, load_yaml, to_plain


def test_lines_of_keys_and_items():
    data = load_yaml("a: 1\nb:\n  c: 2\nlist:\n  - x\n  - y\n")
    assert data.line_of("a") == 1
    assert data["b"].line_of("c") == 3
    assert data["list"].line_of(1) == 6
    assert data.line_of("missing") == 1


def test_dates_are_dates_and_impossible_dates_stay_text():
    data = load_yaml("start: 2020-03-30\nend: 2020-02-30\n")
    assert data["start"] == dt.date(2020, 3, 30)
    assert data["end"] == "2020-02-30"
    assert to_plain(data) == {"start": "2020-03-30", "end": "2020-02-30"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "clé en double (déjà définie ligne 1)"),
        ("a: 1\n\tb: 2\n", 2, "tabulation interdite : indentez avec des espaces"),
        ("a: 1\n  b: 2\n", 2, "« : » inattendu"),
        ("a: [1, 2\nb: 3\n", 2, "syntaxe YAML invalide"),
        ('a: "non fermé\nb: 1\n', 3, "syntaxe YAML invalide"),
    ],
)
def test_syntax_errors_have_a_line_and_a_french_message(text, line, message):
    with pytest.raises(YamlSyntaxError) as caught:
        load_yaml(text)
    assert caught.value.line == line
    assert message in str(caught.value)


def test_unsafe_tags_are_refused():
    with pytest.raises(YamlSyntaxError):
        load_yaml("a: !!python/object/apply:os.system ['true']\n")
