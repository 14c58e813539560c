"""`make run` writes the handler's exports before it builds; without a usable database it says so
and the build goes on (issue 15)."""

from __future__ import annotations

import json

from devtools.server import write_exports


def test_make_run_writes_the_exports_where_the_build_reads_them(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_DATABASE", raising=False)
    assert write_exports(port=8123, folder=str(tmp_path / "var")) is True  # `make run`: var/ of the checkout
    document = json.loads((tmp_path / "var" / "exports" / "missions.json").read_text(encoding="utf-8"))
    assert document["data"] == {} and document["generated_at"] > 0


def test_without_a_usable_database_the_build_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "missing-folder" / "is-a-file"))
    (tmp_path / "missing-folder").write_text("not a folder", encoding="utf-8")
    assert write_exports(port=8123, folder=str(tmp_path / "var")) is False
    assert "le site est construit sans" in capsys.readouterr().out
    assert not (tmp_path / "var" / "exports" / "missions.json").exists()
