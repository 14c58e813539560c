"""Helpers of the answers' tests (issue 15): the links the mails carry, and the clicks on their pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from formhandler.outbox import deliver_due
from tests.helpers.constants import SITE, VALID

ANSWER_LINK = re.compile(r"https?://[^\s\"<>]+/candidatures/(?!retrait/)[A-Za-z0-9_.-]+/")
WITHDRAW_LINK = re.compile(r"https?://[^\s\"<>]+/candidatures/retrait/[A-Za-z0-9_.-]+/")


def text_of(message) -> str:
    part = message.get_body(("plain",)) if message.is_multipart() else message
    return part.get_content()


def mails_to(smtp, address: str) -> list:
    return [m.message for m in smtp.mails if address in m.rcpt_tos]


def link_in(message, pattern=ANSWER_LINK) -> str:
    """The path of the link ``pattern`` finds in a mail's text."""
    found = pattern.search(" ".join(text_of(message).split(" ")))
    assert found, text_of(message)
    return urlsplit(found.group(0)).path


def structure_link(app, smtp, volunteer: str, contact: str = "secret-contact@example.org") -> str:
    """Deliver what is due; the path of the structure's link in the mail about ``volunteer``'s application."""
    deliver_due(app)
    for message in reversed(mails_to(smtp, contact)):
        if volunteer in str(message.get("Reply-To", "")) or volunteer in text_of(message):
            return link_in(message)
    raise AssertionError(f"no mail to the structure about {volunteer}")


def withdraw_link(app, smtp, volunteer: str) -> str:
    deliver_due(app)
    return link_in(mails_to(smtp, volunteer)[0], WITHDRAW_LINK)


def click(client, path: str, action: str | None = None, message: str = "", origin: str | None = SITE):
    """Press a button of the page at ``path`` (as its form posts it)."""
    data = {"message": message}
    if action is not None:
        data["action"] = action
    headers = {"Origin": origin} if origin else {}
    return client.post(path, data=data, headers=headers)


def apply(client, email: str, mission: str = "colis-laon", **fields):
    response = client.post(
        f"/api/missions/{mission}/applications",
        json={**VALID, "email": email, "last_name": email.split("@")[0].title(), **fields},
        headers={"Origin": SITE, "Accept": "application/json"},
    )
    assert response.status_code == 201, response.json
    return response.json


def apply_status(client, n: int, mission: str = "colis-laon") -> int:
    """Post the ``n``-th volunteer's application (``v{n}@exemple.fr``); the answer's status."""
    response = client.post(
        f"/api/missions/{mission}/applications",
        json={**VALID, "email": f"v{n}@exemple.fr", "last_name": f"Nom{n}"},
        headers={"Origin": SITE, "Accept": "application/json"},
    )
    return response.status_code


def state(rows, email: str):
    """The application of ``email``: its id, state, answer and waiting-list marks; ``None`` if none."""
    found = rows("SELECT id, status, answered_at, status_at, waiting_list FROM applications WHERE email = ?", email)
    return found[0] if found else None


def few_places(app, edit, places: int) -> None:
    """« colis-laon » with ``places`` places, the handler reading the content again at once."""
    edit("missions/colis-laon.yaml", "places: 6", f"places: {places}")
    app.extensions["content"].reload_seconds = 0
