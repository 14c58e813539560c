"""Origin allow-list, rate limits, trusted proxies, redirects."""

import pytest

from formhandler.outbox import deliver_due
from tests.helpers import SITE, VALID

URL = "/api/missions/colis-laon/applications"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": SITE}, 303),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({}, 403),
        ({"Referer": f"{SITE}/missions/colis-laon/"}, 303),
        ({"Referer": "https://evil.example/missions/colis-laon/"}, 403),
        ({"Origin": "http://site.test:8080"}, 403),
    ],
)
def test_origin_allow_list(client, rows, headers, status):
    response = client.post(URL, data=VALID, headers=headers)
    assert response.status_code == status
    assert len(rows("SELECT * FROM applications")) == (1 if status == 303 else 0)


def test_forbidden_as_json(client):
    response = client.post(URL, json=VALID, headers={"Origin": "https://evil.example", "Accept": "application/json"})
    assert response.status_code == 403
    assert "page du site" in response.json["error"]


def test_configured_origins(make_app):
    app = make_app(ALLOWED_ORIGINS="https://jeveuxaider.example.org, http://localhost:8000")
    client = app.test_client()
    assert client.post(URL, data=VALID, headers={"Origin": "http://localhost:8000"}).status_code == 303
    assert client.post(URL, data=VALID, headers={"Origin": SITE}).status_code == 403


def test_per_ip_limit_answers_429_and_sends_nothing(make_app, smtp, rows):
    app = make_app(RATELIMIT_PER_IP="3 per minute")
    client = app.test_client()
    codes = [
        client.post(URL, data={**VALID, "email": f"v{n}@exemple.fr"}, headers={"Origin": SITE}).status_code
        for n in range(5)
    ]
    assert codes == [303, 303, 303, 429, 429]
    assert len(rows("SELECT * FROM applications")) == 3
    deliver_due(app)
    assert len(smtp.mails) == 6
    other = client.post(URL, data={**VALID, "email": "autre@exemple.fr"}, headers={"Origin": SITE},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})  # fmt: skip
    assert other.status_code == 303  # another client is not affected


def test_spoofed_forwarded_for_does_not_escape_the_limit(make_app):
    app = make_app(RATELIMIT_PER_IP="2 per minute")  # no trusted proxy: X-Forwarded-For is ignored
    client = app.test_client()
    codes = [
        client.post(URL, data={**VALID, "email": f"v{n}@exemple.fr"},
                    headers={"Origin": SITE, "X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]  # fmt: skip
    assert codes == [303, 303, 429, 429]


def test_trusted_proxy_gives_the_real_client_address(make_app):
    app = make_app(RATELIMIT_PER_IP="1 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()

    def post(forwarded, n):
        return client.post(URL, data={**VALID, "email": f"v{n}@exemple.fr"},
                           headers={"Origin": SITE, "X-Forwarded-For": forwarded}).status_code  # fmt: skip

    assert post("198.51.100.1", 1) == 303
    assert post("198.51.100.1", 2) == 429
    assert post("198.51.100.2", 3) == 303
    # a client that prepends a fake address is still identified by what the proxy saw
    assert post("10.9.9.9, 198.51.100.2", 4) == 429


def test_per_email_limit(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="2 per hour")
    client = app.test_client()
    codes = [
        client.post(f"/api/missions/{m}/applications", data={**VALID, "email": "meme@exemple.fr"},
                    headers={"Origin": SITE}, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n, m in enumerate(["colis-laon", "appels-distance", "garde-ajaccio"])
    ]  # fmt: skip
    assert codes == [303, 303, 429]


def test_429_as_json(make_app):
    app = make_app(RATELIMIT_PER_IP="1 per minute")
    client = app.test_client()
    client.post(URL, json=VALID, headers={"Origin": SITE, "Accept": "application/json"})
    response = client.post(URL, json=VALID, headers={"Origin": SITE, "Accept": "application/json"})
    assert response.status_code == 429
    assert "patientez" in response.json["error"]


def test_redirects_only_to_the_configured_site(client):
    response = client.post(URL, data=VALID, headers={"Origin": SITE, "Host": "evil.example"})
    assert response.headers["Location"].startswith(f"{SITE}/")
