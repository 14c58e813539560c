"""GET /healthz: whether the database can be written, and the outbox depth, for monitoring."""

from __future__ import annotations

import time

from flask import Blueprint, jsonify

from . import db
from .db import StorageError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with the outbox counts when a write to the database commits; 503 otherwise.

    A write, not a read: a database that can be read but not written (read-only
    file, full disk) cannot take applications, and must show as down.
    """
    try:
        with db.transaction() as store:
            store.heartbeat(time.time())
            counts = store.outbox_counts()
    except StorageError as error:
        return jsonify({"database": "error", "detail": _reason(error)}), 503
    return jsonify(
        {
            "database": "ok",
            "outbox": {
                "pending": counts.get("pending", 0) + counts.get("sending", 0),
                "failed": counts.get("failed", 0),
                "sent": counts.get("sent", 0),
            },
        }
    )


def _reason(error: StorageError) -> str:
    """The database's own words (« attempt to write a readonly database », « database or disk is full »): no data in them."""
    return str(error) or type(error).__name__
