"""The floor of the handler benchmark: what any handler must do with an application before it is
stored — read the form, check it by the catalogue's rules (:func:`catalog.application.validate_application`,
the handler's own check), insert it as one row — and nothing else: no duplicate check, no count of
places, no history, no mail, no origin check, no security headers. Under the same gunicorn.

Between the bare view (one row, no form read) and the handler, it tells how much of the gap is the
work of checking an application at all, which no delivery layout or storage trick removes.
``BARE_DATABASE``: a SQLite file or a PostgreSQL URL, on the bare views' connections (WAL and
``synchronous=FULL``; ``synchronous_commit`` on), whose table the benchmark makes beforehand for
PostgreSQL; ``FLASK_CONTENT_DIR``,
``FLASK_TODAY``: the handler's content and day.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time

from flask import Flask, request

from bench import bare_app
from catalog import load_content
from catalog.application import validate_application

COLUMNS = "id, mission_id, first_name, last_name, email, birth_date, postal_code, created_at"
SQLITE_TABLE = f"CREATE TABLE IF NOT EXISTS floor_rows ({COLUMNS.replace(', ', ' TEXT, ')} REAL)"
POSTGRES_TABLE = (
    "CREATE TABLE floor_rows (id text PRIMARY KEY, mission_id text, first_name text, last_name text, email text,"
    " birth_date text, postal_code text, created_at double precision)"
)


def _insert(row: tuple) -> None:
    if os.environ["BARE_DATABASE"].startswith("postgresql://"):
        from bench import bare_postgres

        bare_postgres.connection().execute(f"INSERT INTO floor_rows ({COLUMNS}) VALUES ({', '.join(['%s'] * 8)})", row)
        return
    bare_app.connection(SQLITE_TABLE).execute(f"INSERT INTO floor_rows ({COLUMNS}) VALUES ({', '.join('?' * 8)})", row)


def create_app() -> Flask:
    today = dt.date.fromisoformat(os.environ["FLASK_TODAY"])
    missions = load_content(os.environ["FLASK_CONTENT_DIR"], today=today).catalog.missions
    app = Flask(__name__)

    @app.post("/api/missions/<mission_id>/applications")
    def insert(mission_id: str):
        mission = missions[mission_id]
        application, errors = validate_application(request.form.to_dict(), mission, today)
        if errors:
            return {"errors": errors}, 422
        a = application
        _insert((secrets.token_hex(16), mission_id, a.first_name, a.last_name, a.email, a.birth_date.isoformat(),
                 a.postal_code, time.time()))  # fmt: skip
        return {"id": mission_id}, 201

    @app.get("/healthz")
    def health():
        return {"ok": True}

    return app
