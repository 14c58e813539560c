"""Volunteers waiting for a mission: ``POST /api/alerts`` (sign-up), and the pages their mails link to.

- ``POST /api/alerts``: the same checks, answers and anti-abuse rules as an application
  (:mod:`formhandler.applications`): 303 to ``/etre-prevenu/merci/`` or JSON 201, 422 with a
  message per field, 403, 413, 429. The sign-up is stored with its confirmation mail before the
  answer. Nothing else is ever sent to an address that has not confirmed (double opt-in).
- Signing up again with an address already confirmed changes nothing until the address confirms:
  the new choices travel in the signed confirmation link. The answer is the same whether the
  address was known or not (a form does not tell who is subscribed).
- ``/api/alerts/confirm/<token>``, ``renew/<token>``, ``unsubscribe/<token>``: a GET shows a page
  with a button, a POST acts (a mail program's link checker opening the link changes nothing);
  the unsubscription's POST is RFC 8058's one-click: no origin check, no further step.
- ``/api/alerts/choices/<token>``: the form to change departments, domains and remote missions.

``alerts send`` (:mod:`formhandler.alerting`) writes the alerts themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import time

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request

from catalog.alerts import FIELDS, Choices, SignUp, check_new_choices, form_model, validate_signup

from . import alert_mails, db, links, outbox, signing
from .alert_mails import confirmation
from .applications import _problem, check_origin
from .content import catalog, today
from .db import StorageError
from .security import address_limited, form_values, ip_limited, posted_data, wants_json

bp = Blueprint("alerts", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

SUBSCRIPTION_DAYS = 183  # six months, as the CNIL advises for candidates' data
HONEYPOT = "website"
MULTIPLE = ("departments", "domains")
ONE_CLICK = "alerts.unsubscribe"  # RFC 8058: posted by mail programs, from no page of the site


@bp.before_request
def _check_origin():
    if request.endpoint == ONE_CLICK:
        return None
    return check_origin()


def _posted() -> dict:
    """The posted fields, the multiple ones (checkboxes) as lists."""
    data = dict(posted_data())
    if not request.is_json:
        for name in MULTIPLE:
            data[name] = request.form.getlist(name)
    return data


def _thanks():
    if wants_json():
        return jsonify({"status": "confirmation envoyée"}), 201
    return redirect(links.site_url() + "/etre-prevenu/merci/", code=303)


@bp.post("/alerts")
def sign_up():
    """Check, store (the subscription, pending, and its confirmation mail), then answer."""
    if ip_limited():
        abort(429)
    data = _posted()
    if data.get(HONEYPOT):
        log.info("inscription ignorée (champ piège rempli)")
        return _thanks()
    current = catalog()
    signup, errors = validate_signup(data, current, today())
    if errors:
        if wants_json():
            return jsonify({"errors": errors}), 422
        return render_template(
            "alert_errors.html", form=alert_form(current, values=form_values(data, FIELDS, (str, list)), errors=errors)
        ), 422
    if address_limited("email", signup.email_key):  # counted for a valid sign-up only, as for applications
        abort(429)
    now = time.time()
    try:
        with db.transaction() as store:
            row = store.save_pending_subscription(secrets.token_hex(16), signup, now)
            store.add_mails([confirmation(row, signup, now, update=row["status"] == "confirmed")], now)
    except StorageError as error:
        log.error("inscription non enregistrée : %s", type(error).__name__)
        return _problem(
            503, "Votre inscription n'a pas pu être enregistrée. Rien n'a été envoyé : réessayez dans quelques minutes."
        )
    log.info("inscription %s enregistrée (%s)", row["id"], row["status"])
    outbox.notify()
    return _thanks()


def _subscription(purpose: str, token: str):
    """The subscription a link opens, and the link's data; an error page when there is none."""
    try:
        data = signing.read("alert-" + purpose, token)
    except signing.ExpiredToken:
        abort(
            _page(
                "Ce lien a expiré",
                "Ce lien de confirmation n'est valable que sept jours. Inscrivez-vous à nouveau : un nouvel e-mail vous sera envoyé.",
                status=410,
                signup_link=True,
            )
        )
    except signing.BadToken:
        abort(404)
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        abort(404)
    return db.store().find_subscription(data["s"]), data


def _page(title: str, message: str, *, status: int = 200, button: str | None = None, **more):
    return current_app.make_response(
        (render_template("alert_page.html", title=title, message=message, button=button, **more), status)
    )


def _gone():
    return _page(
        "Vous n'êtes pas inscrit(e)",
        "Aucune inscription ne correspond à ce lien : vous vous êtes désinscrit(e), ou elle a pris fin. Vous ne"
        " recevrez plus d'e-mail de notre part.",
        signup_link=True,
    )


def _pending_signup(data: dict, row) -> SignUp | None:
    """The new details a confirmation link carries for a subscription already confirmed."""
    update = data.get("u")
    if not isinstance(update, dict):
        return None
    return SignUp(
        first_name=update["first_name"],
        email=row["email"],
        email_ascii=row["email_ascii"],
        email_key=row["email_key"],
        birth_date=dt.date.fromisoformat(update["birth_date"]),
        postal_code=update["postal_code"],
        choices=Choices.from_dict(update["choices"]),
    )


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    row, data = _subscription("confirm", token)
    if row is None:
        return _gone()
    update = _pending_signup(data, row)
    if request.method == "GET":
        return _page(
            "Confirmer vos nouveaux choix" if update else "Confirmer votre inscription",
            "Un clic sur le bouton ci-dessous, et nous vous écrirons quand une mission qui vous correspond sera"
            " publiée : au plus un e-mail par jour, pendant six mois.",
            button="Confirmer",
        )
    now = time.time()
    with db.transaction() as store:
        store.confirm_subscription(row["id"], now, now + SUBSCRIPTION_DAYS * 86400, signup=update)
    log.info("inscription %s confirmée", row["id"])
    return _page(
        "C'est confirmé",
        "Nous vous écrirons quand une mission qui vous correspond sera publiée, au plus une fois par jour. Votre"
        " inscription dure six mois ; un mois avant la fin, un e-mail vous proposera de la prolonger.",
        choices_url=alert_mails.path("choices", {"s": row["id"]}),
    )


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """RFC 8058: a POST unsubscribes at once (a mail program's button); a GET shows the button."""
    row, _ = _subscription("unsubscribe", token)
    if row is None:
        return _gone()
    if request.method == "GET":
        return _page(
            "Se désinscrire",
            "Vous ne recevrez plus aucun e-mail de nouvelles missions, et nous effacerons vos informations.",
            button="Me désinscrire",
        )
    with db.transaction() as store:
        store.delete_subscriptions([row])
    log.info("inscription %s retirée", row["id"])
    return _page(
        "Vous êtes désinscrit(e)",
        "Vos informations sont effacées ; vous ne recevrez plus d'e-mail de notre part.",
        signup_link=True,
    )


@bp.route("/alerts/renew/<token>", methods=["GET", "POST"])
def renew(token: str):
    row, _ = _subscription("renew", token)
    if row is None or row["status"] != "confirmed":
        return _gone()
    if request.method == "GET":
        return _page(
            "Prolonger votre inscription",
            "Un clic, et nous continuerons de vous écrire quand une mission qui vous correspond sera publiée,"
            " pendant six mois de plus.",
            button="Prolonger de six mois",
        )
    with db.transaction() as store:
        store.renew_subscription(row["id"], time.time() + SUBSCRIPTION_DAYS * 86400)
    return _page(
        "Votre inscription est prolongée",
        "Nous vous écrirons pendant six mois de plus quand une mission qui vous correspond sera publiée.",
        choices_url=alert_mails.path("choices", {"s": row["id"]}),
    )


@bp.route("/alerts/choices/<token>", methods=["GET", "POST"])
def choices(token: str):
    """Change the departments, domains and remote choice (the address and the person stay)."""
    row, _ = _subscription("choices", token)
    if row is None or row["status"] != "confirmed":
        return _gone()
    current = catalog()
    if request.method == "GET":
        values = Choices.from_dict(
            {"departments": _json(row["departments"]), "domains": _json(row["domains"]), "remote": row["remote"]}
        )
        shown = {**values.as_dict(), "remote": "oui" if values.remote else ""}
        return render_template("alert_choices.html", form=alert_form(current, values=shown, choices_only=True))
    data = _posted()
    new, errors = check_new_choices(data, current, row["postal_code"])
    if errors:
        form = alert_form(current, values=form_values(data, FIELDS, (str, list)), errors=errors, choices_only=True)
        return render_template("alert_choices.html", form=form), 422
    with db.transaction() as store:
        store.change_subscription_choices(row["id"], new)
    return _page(
        "Vos choix sont enregistrés",
        "Les prochains e-mails ne parleront que des missions qui correspondent à vos nouveaux choix.",
        choices_url=alert_mails.path("choices", {"s": row["id"]}),
    )


def _json(text: str) -> list:
    return json.loads(text)


def alert_form(current, *, values: dict, errors: dict | None = None, choices_only: bool = False) -> dict:
    """What the theme's form partial (``_alert_form.html``) shows, as the site's page shows it."""
    return form_model(current, values=values, errors=errors or {}, choices_only=choices_only)


@bp.errorhandler(StorageError)
def _storage_down(error):
    """A confirmation, a choice or an unsubscription that cannot be stored is said so, to be tried again."""
    log.error("inscription : base indisponible (%s)", type(error).__name__)
    return _problem(503, "Votre demande n'a pas pu être enregistrée : réessayez dans quelques minutes.")
