"""Signed links (formhandler.signing) and the handler's exports for the build (formhandler.exports)."""

import json
import logging
import os
import stat
import time

import pytest

from formhandler import create_app, exports, signing
from formhandler.settings import SettingsError
from plugins.reserve_civique.exports import read_export


@pytest.fixture
def keyed_app(tmp_path):
    return create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k" * 64})


def test_a_token_opens_only_its_purpose(keyed_app):
    token = signing.make("application", {"id": "abc"}, app=keyed_app)
    assert signing.read("application", token, app=keyed_app) == {"id": "abc"}
    with pytest.raises(signing.BadToken):
        signing.read("alert", token, app=keyed_app)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(signing.BadToken):
        signing.read("application", altered, app=keyed_app)
    with pytest.raises(signing.BadToken):
        signing.read("application", "pas-un-jeton", app=keyed_app)


def test_a_token_made_with_another_key_is_refused(keyed_app, tmp_path):
    other = create_app({"DATABASE": str(tmp_path / "other.sqlite3"), "SECRET_KEY": "z" * 64})
    with pytest.raises(signing.BadToken):
        signing.read("application", signing.make("application", 1, app=other), app=keyed_app)


def test_an_expired_token_says_so_with_its_data(keyed_app):
    token = signing.make("application", "abc", expires_at=1_000_000, app=keyed_app)
    assert signing.read("application", token, now=999_999, app=keyed_app) == "abc"
    with pytest.raises(signing.ExpiredToken) as expired:
        signing.read("application", token, now=1_000_001, app=keyed_app)
    assert (expired.value.data, expired.value.expired_at) == ("abc", 1_000_000)


def test_without_a_key_every_process_on_a_sqlite_host_shares_one_kept_beside_the_database(tmp_path):
    first = create_app({"DATABASE": str(tmp_path / "db.sqlite3")})
    second = create_app({"DATABASE": str(tmp_path / "db.sqlite3")})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert signing.read("x", signing.make("x", 42, app=first), app=second) == 42
    mode = stat.S_IMODE(os.stat(tmp_path / signing.KEY_FILE).st_mode)
    assert mode == 0o600


def test_postgresql_without_a_key_refuses_to_start():
    with pytest.raises(SettingsError, match="FLASK_SECRET_KEY"):
        create_app({"DATABASE": "postgresql://nobody@127.0.0.1:1/none"})


def test_access_log_lines_lose_their_tokens(keyed_app, caplog):
    token = signing.make("application", {"id": "abc"}, app=keyed_app)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('%s "%s" %s', "127.0.0.1", f"GET /candidatures/{token}/ HTTP/1.1", 200)
        logging.getLogger("gunicorn.access").info("%(r)s", {"r": f"POST /alertes/{token}/ HTTP/1.1"})
    assert token not in caplog.text
    assert "/candidatures/…/" in caplog.text


def test_exports_are_written_whole_and_read_by_the_build(keyed_app, tmp_path):
    exports.register("testing-export", lambda store: {"02": 3})
    try:
        with keyed_app.app_context():
            runner = keyed_app.test_cli_runner()
            result = runner.invoke(args=["exports", "write", "testing-export"])
            assert result.exit_code == 0, result.output
            unknown = runner.invoke(args=["exports", "write", "nope"])
            assert unknown.exit_code == 1 and "export inconnu : nope" in unknown.output
    finally:
        del exports.PRODUCERS["testing-export"]
    folder = tmp_path / "exports"
    assert sorted(p.name for p in folder.iterdir()) == ["testing-export.json"]  # no temporary left
    assert read_export(folder, "testing-export", max_age=60) == {"02": 3}
    assert read_export(folder, "testing-export", max_age=60, now=time.time() + 120) is None  # too old
    assert read_export(folder, "missing", max_age=60) is None
    (folder / "broken.json").write_text("{not json")
    assert read_export(folder, "broken", max_age=60) is None
    (folder / "shapeless.json").write_text(json.dumps([1, 2]))
    assert read_export(folder, "shapeless", max_age=60) is None
