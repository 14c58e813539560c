"""The issue's baseline, for the handler benchmark: a bare Flask view that inserts one row into
SQLite (WAL, ``synchronous=FULL``) over a long-lived connection, under the same gunicorn.

Measured in the same run as the form handler, it tells how fast this machine is at the time
(the issue measured about 1,350 requests per second on its machine).
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask

_local = threading.local()


ROWS_TABLE = "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)"


def connection(table: str = ROWS_TABLE) -> sqlite3.Connection:
    """This thread's connection to ``BARE_DATABASE`` (WAL, ``synchronous=FULL``), ``table`` made."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(os.environ["BARE_DATABASE"], isolation_level=None, timeout=10)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(table)
    return conn


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/missions/<mission_id>/applications")
    def insert(mission_id: str):
        connection().execute("INSERT INTO rows (body) VALUES (?)", (mission_id,))
        return {"id": mission_id}, 201

    @app.get("/healthz")
    def health():
        return {"ok": True}

    return app
