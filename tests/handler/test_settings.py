"""Settings: typed, documented, from instance/config.py and FLASK_* variables; content reload."""

import re
import subprocess
import sys

import pytest

from formhandler import create_app
from formhandler.settings import SETTINGS, SettingsError, environ, local_config
from tests.helpers import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(?:FLASK_)?([A-Z_]+)` \|", readme, flags=re.M))
    assert {s.name for s in SETTINGS} <= documented


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"DATABSE": "x"}, "réglage inconnu DATABSE ; vouliez-vous dire DATABASE ?"),
        ({"MAIL_PORT": "vingt-cinq"}, "MAIL_PORT doit être de type int"),
        ({"OUTBOX_RETRY_BASE": "beaucoup"}, "OUTBOX_RETRY_BASE doit être de type int"),
    ],
)
def test_bad_settings_stop_the_start_with_a_hint(tmp_path, config, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        create_app({"DATABASE": str(tmp_path / "db"), **config})


def test_prefixed_environment_variables(tmp_path):
    code = "from formhandler import create_app; a = create_app(); print(a.config['MAIL_PORT'], a.config['DATABASE'], a.config['MAIL_USE_TLS'])"
    env = {
        "FLASK_MAIL_PORT": "2525",
        "FLASK_DATABASE": str(tmp_path / "x.sqlite3"),
        "FLASK_MAIL_USE_TLS": "true",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2525", str(tmp_path / "x.sqlite3"), "True"]


def test_content_added_is_accepted_without_restart(make_app, content_dir, post):
    app = make_app(CONTENT_RELOAD_SECONDS=0)
    client = app.test_client()
    assert client.get("/api/missions/nouvelle").status_code == 404
    source = (content_dir / "missions" / "appels-distance.yaml").read_text(encoding="utf-8")
    (content_dir / "missions" / "nouvelle.yaml").write_text(source, encoding="utf-8")
    assert client.get("/api/missions/nouvelle").json["open"] is True


def test_a_broken_mission_does_not_stop_the_others(make_app, content_dir):
    (content_dir / "missions" / "cassee.yaml").write_text("title: [\n", encoding="utf-8")
    app = make_app()
    assert app.test_client().get("/api/missions/colis-laon").status_code == 200


def test_a_local_config_is_the_same_given_to_create_app_or_through_the_environment(tmp_path, monkeypatch):
    config = local_config(tmp_path, "http://site.test", 2525, OUTBOX_WORKER="none", MAIL_USE_TLS=False, TODAY=None)
    assert config["DATABASE"] == str(tmp_path / "reserve-civique.sqlite3")
    assert config["MAIL_PORT"] == 2525 and "per minute" in config["RATELIMIT_PER_IP"]
    assert "RATELIMIT_PER_IP" not in local_config(tmp_path, "http://site.test", 2525, rate_limits=True)
    for name, value in environ(config).items():
        monkeypatch.setenv(name, value)
    given, read = create_app(config).config, create_app().config
    assert {name: read[name] for name in config} == {name: given[name] for name in config}


def test_the_flask_command_runs(tmp_path):
    env = {"FLASK_DATABASE": str(tmp_path / "x.sqlite3"), "FLASK_APP": "formhandler", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "formhandler", "outbox", "show"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "0 en attente, 0 en échec" in result.stdout


def test_an_older_database_is_migrated(tmp_path):
    import sqlite3

    from formhandler.sqlite import SQLiteDatabase

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, application_id TEXT, kind TEXT NOT NULL,"
        " sender TEXT NOT NULL, recipients TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, message BLOB NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,"
        " next_attempt_at REAL NOT NULL, lease_until REAL, sent_at REAL, last_error TEXT);"
        "INSERT INTO outbox (kind, sender, recipients, message_id, message, created_at, next_attempt_at)"
        " VALUES ('structure', 'a@b.c', '[\"x@y.z\"]', '<1@x>', X'41', 1, 1);"
    )
    conn.commit()
    conn.close()
    SQLiteDatabase(str(path)).init_schema()
    conn = sqlite3.connect(path)
    assert "context" in {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    assert conn.execute("SELECT message_id, message FROM outbox").fetchall() == [("<1@x>", b"A")]
    conn.close()


def test_answering_about_a_mission_reads_only_its_files(make_app, content_dir, edit, monkeypatch):
    import formhandler.content as content_module

    def must_not_load(*args, **kwargs):
        raise AssertionError("the whole catalog should not be loaded to answer about one mission")

    monkeypatch.setattr(content_module, "load_content", must_not_load)
    app = make_app(CONTENT_RELOAD_SECONDS=0)
    client = app.test_client()
    assert client.get("/api/missions/colis-laon").json["places"] == 6
    edit("missions/colis-laon.yaml", "places: 6", "places: 7")  # seen without a restart
    assert client.get("/api/missions/colis-laon").json["places"] == 7
    edit("structures/asso-test.yaml", "type: association", "type: inconnu")  # its structure became invalid
    assert client.get("/api/missions/colis-laon").status_code == 404
    assert client.get("/api/missions/nouvelle").status_code == 404
    (content_dir / "missions" / "nouvelle.yaml").write_bytes(
        (content_dir / "missions" / "garde-ajaccio.yaml").read_bytes()
    )
    assert client.get("/api/missions/nouvelle").status_code == 200  # a new file, served at once


def test_ids_without_a_mission_file_are_not_kept(make_app, content_dir):
    # any id shaped like a file name was kept, up to 50,000 (about 0.5 GB a worker with long ids)
    app = make_app(CONTENT_RELOAD_SECONDS=0)
    client = app.test_client()
    assert client.get("/api/missions/colis-laon").status_code == 200
    for n in range(2000):
        assert client.get(f"/api/missions/{'inconnue-' * 24}{n}").status_code == 404
    assert len(app.extensions["content"]) == 1
    assert client.get("/api/missions/colis-laon").json["places"] == 6
    (content_dir / "missions" / "colis-laon.yaml").unlink()
    assert client.get("/api/missions/colis-laon").status_code == 404
    assert len(app.extensions["content"]) == 0


def test_the_whole_catalog_follows_changes(make_app, content_dir):
    app = make_app(CONTENT_RELOAD_SECONDS=0)
    assert "colis-laon" in app.extensions["content"].get().missions
    (content_dir / "missions" / "colis-laon.yaml").unlink()
    assert "colis-laon" not in app.extensions["content"].get().missions
