"""Signed tokens: the links the handler mails are the only key to what they open (no account).

A token is itsdangerous's, signed with Flask's ``SECRET_KEY``, with one salt per purpose (a token
made to answer an application opens nothing else) and, when it has one, its expiry date inside:
a link valid « while the mission runs, plus 30 days » ends on a date, not after an age::

    token = signing.make("application", {"id": application_id}, expires_at=end_timestamp)
    data = signing.read("application", token)   # BadToken → 404, ExpiredToken → 410

The key must be the same for every process of a deployment (``FLASK_SECRET_KEY``). Left unset on
SQLite, one is made once and kept beside the database (every process on that host shares it);
on PostgreSQL, whose processes may run on several hosts, it must be set.

Tokens are secrets: :class:`RedactTokens` keeps them out of the access logs.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from pathlib import Path

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeSerializer

KEY_FILE = "secret_key"
SALT_PREFIX = "reserve-civique/"
# what an itsdangerous token looks like in a URL: a payload and a signature, both URL-safe base64
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_-]+)?")
# the loggers that write request lines (the development server's, gunicorn's access log)
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


class BadToken(Exception):
    """Forged, altered, truncated, or made for another purpose."""


class ExpiredToken(Exception):
    """Genuine, but past its expiry date."""

    def __init__(self, data, expired_at: float):
        super().__init__("expired")
        self.data = data
        self.expired_at = expired_at


def stored_key(folder: str | os.PathLike) -> str:
    """The secret key kept in ``folder`` (made there, readable by its owner only, the first time)."""
    path = Path(folder) / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _serializer(purpose: str, app: Flask | None = None) -> URLSafeSerializer:
    return URLSafeSerializer((app or current_app).config["SECRET_KEY"], salt=SALT_PREFIX + purpose)


def make(purpose: str, data, *, expires_at: float | None = None, app: Flask | None = None) -> str:
    """A token for ``data`` (anything JSON can hold), opening only what ``purpose`` names."""
    payload = {"d": data} if expires_at is None else {"d": data, "x": int(expires_at)}
    return _serializer(purpose, app).dumps(payload)


def read(purpose: str, token: str, *, now: float | None = None, app: Flask | None = None):
    """The data of a genuine ``purpose`` token; :class:`BadToken` or :class:`ExpiredToken` otherwise."""
    try:
        payload = _serializer(purpose, app).loads(token)
    except BadSignature:
        raise BadToken() from None
    if not isinstance(payload, dict) or "d" not in payload:
        raise BadToken()
    expires_at = payload.get("x")
    if expires_at is not None and (time.time() if now is None else now) > expires_at:
        raise ExpiredToken(payload["d"], expires_at)
    return payload["d"]


def redact(text: str) -> str:
    """``text`` with every token replaced by « … »."""
    return _TOKEN.sub("…", text)


class RedactTokens(logging.Filter):
    """Rewrites a log record's message and arguments without the tokens they carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):  # gunicorn's access log formats from a mapping
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def init_app(app: Flask) -> None:
    """The key's check, and the access logs' filter."""
    if not app.config.get("SECRET_KEY"):
        from .db import is_postgres, local_folder
        from .settings import SettingsError

        if is_postgres(app.config["DATABASE"]):
            raise SettingsError(
                "FLASK_SECRET_KEY manquant : sur PostgreSQL, donnez la même clé à chaque processus de "
                "chaque serveur (python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        app.config["SECRET_KEY"] = stored_key(local_folder(app.config["DATABASE"]))
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
