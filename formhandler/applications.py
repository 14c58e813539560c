"""POST /api/missions/<id>/applications and GET /api/missions/<id>."""

from __future__ import annotations

import logging
import math
import secrets
import time

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from catalog import PublicMission
from catalog.application import FIELDS, places_left, validate_application

from . import db, links, outbox
from .content import catalog_for, today
from .db import StorageError
from .mails import application_mails
from .security import NotJSON, address_limited, form_values, ip_limited, origin_allowed, posted_data, wants_json

bp = Blueprint("applications", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

DUPLICATE_WINDOW = 24 * 3600
HONEYPOT = "website"


def _thanks_url(waiting_list: bool) -> str:
    site = links.site_url()
    return f"{site}/merci/liste-attente/" if waiting_list else f"{site}/merci/"


def _success(application_id: str, waiting_list: bool):
    if wants_json():
        return jsonify({"id": application_id, "waiting_list": waiting_list}), 201
    return redirect(_thanks_url(waiting_list), code=303)


def _problem(status: int, message: str):
    """An error answer: JSON ``{"error": message}`` or the site's HTML error page."""
    if wants_json():
        return jsonify({"error": message}), status
    return render_template(
        "handler_error.html",
        status=status,
        message=message,
        mission_id=request.view_args.get("mission_id") if request.view_args else None,
    ), status


def fill_seconds(data: dict) -> float | None:
    """How long the form was open before it was sent, as the page's script measured it; ``None``
    when nothing was measured (no JavaScript, an API client, a robot that leaves the field out)."""
    value = data.get("fill_seconds")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


@bp.before_request
def check_origin():
    if request.method == "POST" and not origin_allowed():
        return _problem(
            403, "Cette demande ne vient pas d'une page du site : envoyez le formulaire depuis la page de la mission."
        )
    return None


@bp.post("/missions/<mission_id:mission_id>/applications")
def apply(mission_id: str):
    """Check, store (application + mails, one transaction), then answer."""
    if ip_limited():
        abort(429)
    current = catalog_for(mission_id)
    mission = current.missions.get(mission_id)
    if mission is None:
        return _problem(404, "Cette mission n'existe pas ou n'est plus en ligne.")
    day = today()
    if not mission.is_open(day):
        return _problem(409, "Cette mission ne recrute plus : elle est close ou terminée.")
    data = posted_data()
    if data.get(HONEYPOT):
        # No person fills a field they cannot see: answered like a success, nothing stored or sent.
        log.info("envoi ignoré (champ piège rempli) pour la mission %s", mission_id)
        return _success(secrets.token_hex(16), False)
    application, errors = validate_application(data, mission, day)
    if errors:
        if wants_json():
            return jsonify({"errors": errors}), 422
        return render_template(
            "application_errors.html",
            mission=mission_page(current, mission),
            errors=errors,
            values=form_values(data, FIELDS),
        ), 422
    # counted only for a valid application: posts with someone else's address cannot lock them out
    if address_limited("email", application.email_key):
        abort(429)

    now = time.time()
    application_id = secrets.token_hex(16)
    # prepared before the transaction, whose writer lock every process waits for (0.2 ms of CPU, a
    # fifth of a commit on SQLite): inside, only the waiting list is filled in
    mails_for = application_mails(current, mission, application, application_id, now)
    try:
        with db.transaction() as store:
            # the same form sent twice (a double click, a page reloaded): someone else sharing the mailbox,
            # or a corrected application, is a new one
            duplicate, waiting_list = store.arrival(
                mission.id, application, since=now - DUPLICATE_WINDOW, places=mission.places
            )
            if duplicate is not None:
                log.info("candidature %s : doublon, rien de nouveau n'est envoyé", duplicate["id"])
                return _success(duplicate["id"], bool(duplicate["waiting_list"]))
            mails = mails_for(waiting_list)
            store.add_application(
                application_id, mission.id, application, created_at=now, waiting_list=waiting_list,
                fill_seconds=fill_seconds(data), mails=mails,
            )  # fmt: skip
    except StorageError as error:
        log.error("candidature non enregistrée pour la mission %s : %s", mission_id, type(error).__name__)
        return _problem(
            503, "Votre candidature n'a pas pu être enregistrée. Rien n'a été envoyé : réessayez dans quelques minutes."
        )
    log.info("candidature %s enregistrée pour la mission %s", application_id, mission.id)
    outbox.notify()
    return _success(application_id, waiting_list)


@bp.get("/missions/<mission_id:mission_id>")
def status(mission_id: str):
    """The mission's live availability: ``{"open", "places", "accepted", "applications", "waiting",
    "offered", "complete", "full"}``. ``full``: new applications go to the waiting list (accepted
    volunteers and those offered a freed place reach the places, or the structure said the mission
    is complete)."""
    mission = catalog_for(mission_id).missions.get(mission_id)
    if mission is None:
        return jsonify({"error": "Cette mission n'existe pas."}), 404
    try:
        store = db.store()
        counts = store.mission_counts(mission_id)
        complete = store.mission_complete(mission_id)
    except Exception:
        abort(503)
    accepted = counts.get("acceptee", 0)
    offered = counts.get("offered", 0)  # a freed place offered to a waiting volunteer is taken until answered
    return jsonify(
        {
            "open": mission.is_open(today()),
            "places": mission.places,
            "accepted": accepted,
            "applications": sum(n for state, n in counts.items() if state != "offered"),
            "waiting": counts.get("attente", 0),
            "offered": offered,
            "complete": complete,
            "full": places_left(mission.places, accepted, offered, complete) == 0,
        }
    )


def mission_page(current, mission):
    """What the shared form partial needs to render again, with the errors: the mission's public shape."""
    return PublicMission.of(current, mission, today())


@bp.app_errorhandler(NotJSON)
def not_json(error):
    return _problem(400, "Le contenu envoyé n'est pas un JSON valide : envoyez un objet JSON en UTF-8.")


@bp.app_errorhandler(413)
def too_large(error):
    return _problem(413, "La demande est trop volumineuse : raccourcissez votre message.")


@bp.app_errorhandler(429)
def too_many(error):
    response, status = _problem(429, "Trop d'envois en peu de temps : patientez quelques minutes avant de réessayer.")
    response = current_app.make_response((response, status))
    response.headers["Retry-After"] = "60"
    return response


@bp.app_errorhandler(404)
def not_found(error):
    return _problem(404, "Cette adresse n'existe pas.")


@bp.app_errorhandler(405)
def not_allowed(error):
    return _problem(405, "Cette adresse n'accepte pas cette méthode.")


@bp.app_errorhandler(HTTPException)
def other_http(error: HTTPException):
    return _problem(error.code or 500, "La demande n'a pas pu être traitée.")


@bp.app_errorhandler(Exception)
def unexpected(error):
    log.exception("erreur inattendue")
    return _problem(500, "Une erreur inattendue s'est produite. Réessayez dans quelques minutes.")
