"""GET /healthz: the database and the outbox depth, for monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with the outbox counts when the database answers; 503 otherwise."""
    try:
        conn = get_db()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        rows = conn.execute("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").fetchall()
    except Exception as error:
        return jsonify({"database": "error", "detail": type(error).__name__}), 503
    counts = {row["status"]: row["n"] for row in rows}
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
