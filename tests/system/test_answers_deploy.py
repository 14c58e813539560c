"""The signed links through the deployed nginx and gunicorn: the pages answer, and no log keeps a token."""

from __future__ import annotations

import re

from tests.helpers import wait_for
from tests.helpers.answers import ANSWER_LINK, WITHDRAW_LINK, text_of
from tests.helpers.nginx import APPLY, application, needs_nginx, request


@needs_nginx
def test_the_links_work_through_nginx_and_its_access_log_keeps_no_token(make_stack, smtp, nginx, tmp_path):
    from devtools.mailcatcher import free_port

    https_port = free_port()
    origin = f"https://127.0.0.1:{https_port}"
    stack = make_stack(smtp.port, TRUSTED_PROXIES=1, SITE_URL=origin).start_web().start_worker()
    site = nginx(stack.port, https_port)
    assert request(site.https_port, "POST", APPLY, *application(1, origin))[0] == 201
    assert wait_for(lambda: len(smtp.mails) == 2, timeout=20)
    texts = " ".join(text_of(m.message) for m in smtp.mails)
    answer, withdraw = ANSWER_LINK.search(texts).group(0), WITHDRAW_LINK.search(texts).group(0)
    tokens = [re.search(r"/candidatures/(?:retrait/)?([^/]+)/", link).group(1) for link in (answer, withdraw)]
    answer_path, withdraw_path = (link.removeprefix(origin) for link in (answer, withdraw))

    status, body = request(site.https_port, "GET", answer_path)
    assert status == 200 and "Rapide1" in body.decode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
    assert request(site.https_port, "POST", answer_path, "action=accepter&message=", form)[0] == 303
    assert stack.rows("SELECT status FROM applications") == [("acceptee",)]
    assert request(site.https_port, "GET", withdraw_path)[0] == 200
    assert request(site.https_port, "GET", "/candidatures/pas-un-jeton.AAAAAAAAAAAAAAAAAAAA/")[0] == 404

    access_log = tmp_path / "reserve-civique.access.log"
    # nginx writes a request's line once its answer has left: the client may read before it is there
    assert wait_for(lambda: '" 404 ' in access_log.read_text(encoding="utf-8"))  # the last request's line
    log = access_log.read_text(encoding="utf-8")
    assert '"GET /candidatures/.../" 200' in log and '"POST /candidatures/.../" 303' in log
    assert '"GET /candidatures/retrait/.../" 200' in log
    for token in tokens:
        assert token not in log
        assert token not in (tmp_path / "error.log").read_text(encoding="utf-8", errors="replace")
