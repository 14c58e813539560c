"""A freed place offered to the first volunteer waiting is taken until the structure answers them:
nobody else gets it, and the mission stays full (found trying the product as a structure would:
the place was shown free, a newcomer took it, and the structure could accept both)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tests.helpers.answers import apply, click, few_places, state, structure_link


def test_a_place_offered_to_the_waiting_list_is_not_given_to_a_newcomer(app, client, smtp, rows, edit, post):
    few_places(app, edit, 1)
    apply(client, "first@exemple.fr")
    first = structure_link(app, smtp, "first@exemple.fr")
    assert click(client, first, "accepter").status_code == 303
    apply(client, "waiting@exemple.fr")
    assert state(rows, "waiting@exemple.fr")["status"] == "attente"
    assert click(client, first, "decliner").status_code == 303  # the place frees: offered to the first waiting
    assert state(rows, "waiting@exemple.fr")["status"] == "nouvelle"

    live = client.get("/api/missions/colis-laon").get_json()
    assert (live["accepted"], live["offered"], live["full"]) == (0, 1, True)
    answer = post(email="newcomer@exemple.fr")
    assert answer.headers["Location"].endswith("/merci/liste-attente/")
    assert state(rows, "newcomer@exemple.fr")["status"] == "attente"
    with app.app_context():
        from formhandler import db

        counts = db.database(app).store().missions_places()["colis-laon"]
    assert (counts["accepted"], counts["offered"]) == (0, 1)  # the build's export counts it too


def test_the_build_counts_an_offered_place_as_taken():
    from plugins.reserve_civique.views import is_full

    assert is_full(1, {"accepted": 0, "offered": 1, "complete": False})
    assert not is_full(2, {"accepted": 0, "offered": 1, "complete": False})
    assert is_full(2, {"accepted": 1, "offered": 1, "complete": False})
    assert not is_full(1, {"accepted": 0, "complete": False})  # an export from before the field


def _steps_to_count_places(path: str, applications: int) -> int:
    """SQLite's virtual-machine steps for what an application to a mission finds as it arrives (a
    duplicate, the places taken), the mission having ``applications`` new applications (taking no
    place) and 2 accepted volunteers."""
    from formhandler.sqlite import connect
    from formhandler.store import Store

    conn = connect(path)
    conn.executemany(
        "INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key, birth_date,"
        " postal_code, status) VALUES (?, 'busy', 0, 'A', 'B', ?, ?, '1990-01-01', '02000', ?)",
        [(f"{path}{n}", f"a{n}@exemple.fr", f"a{n}@exemple.fr", "acceptee" if n < 2 else "nouvelle")
         for n in range(applications + 2)],
    )  # fmt: skip
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 1)
    newcomer = SimpleNamespace(
        email_key="new@exemple.fr", first_name="N", last_name="V", birth_date=dt.date(1990, 1, 1), phone=None,
        postal_code="02000", message=None,
    )  # fmt: skip
    assert Store(conn).arrival("busy", newcomer, since=0, places=3) == (None, False)
    conn.set_progress_handler(None, 1)
    conn.close()
    return steps


def test_counting_the_places_taken_does_not_grow_with_the_applications(tmp_path):
    """Counted at each application: a mission with thousands of applications must not make each new
    one read them all."""
    from formhandler import schema
    from formhandler.sqlite import connect

    paths = []
    for n in (20, 2000):
        path = str(tmp_path / f"{n}.sqlite3")
        conn = connect(path)
        schema.upgrade(conn)
        conn.close()
        paths.append((path, n))
    few, many = (_steps_to_count_places(path, n) for path, n in paths)
    assert many <= few + 20, (few, many)


def test_the_places_taken_have_their_index_on_both_databases(app, rows, backend):
    if backend == "sqlite":
        found = rows("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'applications_taking'")
    else:
        found = rows("SELECT indexname FROM pg_indexes WHERE indexname = 'applications_taking'")
    assert len(found) == 1
