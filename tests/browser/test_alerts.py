"""A volunteer waiting for a mission, in Debian's Chromium: signing up with and without JavaScript,
the errors, the confirmation from the mail, the handler's pages — axe-clean (WCAG 2.1 A/AA)."""

import json
import re
import time

import pytest

from tests.helpers.browser import violations, wait_for_mails


def sign_up(page, email, birth_date="1988-03-14"):
    page.fill("[name=email]", email)
    page.fill("[name=first_name]", "Camille")
    page.fill("[name=birth_date]", birth_date)
    page.fill("[name=postal_code]", "02200")
    # the DSFR draws each box before its label, over the (transparent) checkbox: readers click the label
    page.check("label[for=domains-aide-alimentaire-urgence]")
    page.check("label[for=consent]")
    page.click('button:has-text("M\'inscrire")')


def confirm_link(live_site, address) -> str:
    [mail] = wait_for_mails(live_site, address)
    assert "Confirmez votre inscription" in mail["Subject"]
    return re.search(r"(http://\S+/api/alerts/confirm/\S+)", mail.get_content()).group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_sign_up_from_the_home_page_then_confirm_from_the_mail(open_page, live_site, javascript):
    address = f"camille.alertes.{'js' if javascript else 'nojs'}@exemple.fr"
    page = open_page("/", javascript=javascript)
    page.click("text=Être prévenu par e-mail des nouvelles missions")
    assert page.url.endswith("/etre-prevenu/")
    sign_up(page, address)
    page.wait_for_url("**/etre-prevenu/merci/")
    assert "confirmer votre adresse" in page.inner_text("h1")

    link = confirm_link(live_site, address)
    page.goto(link)
    assert page.inner_text("h1") == "Confirmer votre inscription"
    page.click("button:has-text('Confirmer')")
    page.wait_for_selector("text=C'est confirmé")
    with live_site.app.app_context():
        from formhandler import db

        [row] = [r for r in db.store().waiting_volunteers(time.time())]
    assert json.loads(row["domains"]) == ["aide-alimentaire-urgence"] and json.loads(row["departments"]) == ["02"]
    with live_site.app.app_context():  # the next tests start with nobody waiting
        from formhandler import db

        with db.transaction() as store:
            store.delete_subscriptions(store.find_subscriptions_of(address))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_errors_next_to_their_fields(open_page, javascript):
    page = open_page("/etre-prevenu/", site_scripts=javascript)  # without the site's scripts, axe still runs
    sign_up(page, "pas-une-adresse", birth_date="2015-01-01")
    page.wait_for_selector(".fr-message--error")
    summary = page.inner_text("[data-error-summary]")
    assert "Il y a un problème" in summary and "vous avez 11 ans" in summary
    assert page.get_attribute("[name=email]", "aria-invalid") == "true"
    assert violations(page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_pages_have_no_wcag_violation(open_page, javascript):
    for path in ("/etre-prevenu/", "/etre-prevenu/merci/"):
        page = open_page(path, site_scripts=javascript)
        found = violations(page)
        assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


def test_the_handlers_pages_have_no_wcag_violation(open_page, live_site):
    address = "camille.pages@exemple.fr"
    page = open_page("/etre-prevenu/")
    sign_up(page, address)
    page.wait_for_url("**/etre-prevenu/merci/")
    link = confirm_link(live_site, address)
    page.goto(link)
    assert violations(page) == []
    page.click("button:has-text('Confirmer')")
    page.wait_for_selector("text=C'est confirmé")
    assert violations(page) == []
    page.click("text=Changer vos choix")
    assert page.inner_text("h1") == "Changer vos choix"
    assert violations(page) == []
    page.check("label[for=remote]")
    page.click("button:has-text('Enregistrer mes choix')")
    page.wait_for_selector("text=Vos choix sont enregistrés")
    assert violations(page) == []
    with live_site.app.app_context():
        from formhandler import db

        with db.transaction() as store:
            store.delete_subscriptions(store.find_subscriptions_of(address))
