"""A waiting volunteer's links through the deployed nginx and gunicorn: sign-up, confirmation,
one-click unsubscription (RFC 8058), and no log keeps a token."""

from __future__ import annotations

import json
import re

from tests.helpers import wait_for
from tests.helpers.nginx import needs_nginx, request

SIGN_UP = {
    "email": "claire.nginx@exemple.fr",
    "first_name": "Claire",
    "birth_date": "1990-05-17",
    "postal_code": "02000",
    "consent": "oui",
}


@needs_nginx
def test_the_alert_links_work_through_nginx_and_its_access_log_keeps_no_token(make_stack, smtp, nginx, tmp_path):
    from devtools.mailcatcher import free_port

    https_port = free_port()
    origin = f"https://127.0.0.1:{https_port}"
    stack = make_stack(smtp.port, TRUSTED_PROXIES=1, SITE_URL=origin).start_web().start_worker()
    site = nginx(stack.port, https_port)
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Origin": origin}
    assert request(site.https_port, "POST", "/api/alerts", json.dumps(SIGN_UP), headers)[0] == 201
    assert wait_for(lambda: len(smtp.mails) == 1, timeout=20)
    confirm = re.search(r"https://\S+/api/alerts/confirm/\S+", smtp.mails[0].message.get_content()).group(0)
    path = confirm.removeprefix(origin)
    assert request(site.https_port, "GET", path)[0] == 200
    assert request(site.https_port, "POST", path, "", {"Origin": origin})[0] == 200
    assert stack.rows("SELECT status FROM alert_subscriptions") == [("confirmed",)]

    # the one-click unsubscription a mail program posts (no Origin), through nginx
    token = confirm.rsplit("/", 1)[1]
    [(subscription_id,)] = stack.rows("SELECT id FROM alert_subscriptions")
    from flask import Flask

    from formhandler import signing

    keyed = Flask(__name__)
    keyed.config["SECRET_KEY"] = stack.env["FLASK_SECRET_KEY"]  # the deployment's key: as alerts send signs
    unsubscribe = signing.make("alert-unsubscribe", {"s": subscription_id}, app=keyed)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = request(
        site.https_port, "POST", f"/api/alerts/unsubscribe/{unsubscribe}", "List-Unsubscribe=One-Click", form
    )
    assert status == 200
    assert stack.rows("SELECT COUNT(*) FROM alert_subscriptions") == [(0,)]

    access_log = tmp_path / "reserve-civique.access.log"
    # nginx writes a request's line once its answer has left: the client may read before it is there
    assert wait_for(lambda: '"POST /api/alerts/unsubscribe/..." 200' in access_log.read_text(encoding="utf-8"))
    log = access_log.read_text(encoding="utf-8")
    assert '"GET /api/alerts/confirm/..." 200' in log
    for secret in (token, unsubscribe):
        assert secret not in log
        assert secret not in (tmp_path / "error.log").read_text(encoding="utf-8", errors="replace")
