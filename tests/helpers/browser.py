"""What the browser tests share: axe-core's findings, waiting for mails and for the page, filling
the application form, and a structure's clicks from its links."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from axe_playwright_python.sync_playwright import Axe

from tests.helpers.answers import ANSWER_LINK, WITHDRAW_LINK, text_of

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page):
    results = Axe().run(page, options=WCAG)
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]


def wait_for_mails(live_site, address, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = live_site.mails_to(address)
        if len(mails) >= count:
            return mails
        time.sleep(0.1)
    return live_site.mails_to(address)


def wait_until(page, expression, timeout=10.0):
    """Poll a JavaScript expression from Python (the pages' CSP forbids Playwright's in-page eval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        time.sleep(0.05)
    raise AssertionError(f"still false after {timeout} s: {expression}")


def fill_form(page, email, birth_date="1988-03-14", **overrides):
    values = {"first_name": "Camille", "last_name": "Lefort", "email": email, "phone": "06 11 22 33 44",
              "birth_date": birth_date, "postal_code": "02200", "message": "Disponible en soirée.", **overrides}  # fmt: skip
    for name, value in values.items():
        page.fill(f"[name={name}]", value)
    # the DSFR draws each box before its label, over the (transparent) checkbox: readers click the label
    if page.locator("#accept_requirements").count():
        page.check("label[for=accept_requirements]")
    page.check("label[for=consent]")


def structure_address(live_site, mission: str) -> str:
    catalog = live_site.app.extensions["content"].for_mission(mission)
    return catalog.structure_of(catalog.missions[mission]).contact.email


def link_for(live_site, mission: str, volunteer: str, pattern=ANSWER_LINK) -> str:
    """The link in the newest mail to ``mission``'s structure (or to ``volunteer``) that is about ``volunteer``."""
    deadline = time.monotonic() + 15
    to = volunteer if pattern is WITHDRAW_LINK else structure_address(live_site, mission)
    while time.monotonic() < deadline:
        for message in reversed(live_site.mails_to(to)):
            text = " ".join(text_of(message).split(" "))
            about = to == volunteer or volunteer in str(message.get("Reply-To", "")) or volunteer in text
            if about and (found := pattern.search(text)):
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no mail with a link about {volunteer}")


def post_json(live_site, path: str, data: dict) -> dict:
    request = urllib.request.Request(
        live_site.url + path,
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", "Origin": live_site.url},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def press(live_site, link: str, action: str) -> int:
    """A structure's button, as its page's form posts it (no redirect followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(
        link, data=urlencode({"action": action, "message": ""}).encode(), headers={"Origin": live_site.url}
    )
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


def accept_volunteers(live_site, mission: str, count: int, prefix: str) -> list[str]:
    """``count`` volunteers apply to ``mission`` and its structure accepts each from its link."""
    emails = []
    for n in range(count):
        email = f"{prefix}{n}@exemple.fr"
        post_json(live_site, f"/api/missions/{mission}/applications", {
            "first_name": "Plein", "last_name": f"{prefix.title()}{n}", "email": email, "birth_date": "1980-01-01",
            "postal_code": "02300", "consent": True, "accept_requirements": True,
        })  # fmt: skip
        assert press(live_site, link_for(live_site, mission, email), "accepter") == 303
        emails.append(email)
    return emails
