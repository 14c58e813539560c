"""The PostgreSQL reference of the handler benchmark: a bare Flask view that inserts one row into
PostgreSQL (``synchronous_commit`` on, as the handler's applications) over a long-lived psycopg
connection per process, under the same gunicorn. ``BARE_DATABASE``: the database's URL, whose
table ``bare_rows`` the benchmark makes beforehand.
"""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask

_local = threading.local()


def connection() -> psycopg.Connection:
    """This thread's connection to ``BARE_DATABASE`` (autocommit)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(os.environ["BARE_DATABASE"], autocommit=True)
    return conn


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/missions/<mission_id>/applications")
    def insert(mission_id: str):
        connection().execute("INSERT INTO bare_rows (body) VALUES (%s)", (mission_id,))
        return {"id": mission_id}, 201

    @app.get("/healthz")
    def health():
        return {"ok": True}

    return app
