"""The answers' pages (issue 15) are valid HTML for the W3C's Nu Html Checker, in every state they show."""

from __future__ import annotations

import time

import pytest

from formhandler import signing
from formhandler.outbox import deliver_due
from tests.helpers.answers import apply, click, structure_link, withdraw_link
from tests.helpers.html import html_problems


@pytest.mark.backends("sqlite")
def test_the_answer_and_withdraw_pages_are_valid_in_every_state(nu, app, client, smtp, tmp_path):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    withdraw = withdraw_link(app, smtp, "jeanne@exemple.fr")
    with app.app_context():
        expired = signing.make("application", {"id": "x"}, expires_at=time.time() - 60)
    pages = {"answer-new": client.get(path)}
    pages["answer-accepted"] = client.get(click(client, path, "accepter").headers["Location"])
    pages["answer-again"] = click(client, path, "accepter")
    pages["answer-too-long"] = click(client, path, "decliner", "x" * 2000)
    pages["answer-complete"] = client.get(click(client, path, "complete").headers["Location"])
    pages["link-forged"] = client.get("/candidatures/nimportequoi/")
    pages["link-expired"] = client.get(f"/candidatures/{expired}/")
    pages["link-refused"] = click(client, path, "accepter", origin="https://ailleurs.example")
    pages["withdraw-ask"] = client.get(withdraw)
    pages["withdraw-done"] = click(client, withdraw)
    deliver_due(app)
    pages["answer-gone"] = client.get(path)
    pages["withdraw-again"] = client.get(withdraw)
    folder = tmp_path / "answers"
    folder.mkdir()
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        (folder / f"{name}.html").write_text(response.get_data(as_text=True), encoding="utf-8")
    assert html_problems({"answers": folder}, svg=False) == {}
