"""The structure's page to answer an application, and the volunteer's to withdraw it (issue 15).

``/candidatures/<token>/``: the application as the structure's mail showed it, its state and
history, the mission's places; buttons « Accepter », « Décliner » (with a short message to the
volunteer), « La mission est complète », « Rouvrir des places ».
``/candidatures/retrait/<token>/``: the volunteer's one button to withdraw.

No account and no cookie: the signed token in the path is the only key (:mod:`formhandler.links`).
A GET never changes anything (mail scanners follow links); each button is a POST form to the same
address, from the page itself (same origin, checked like the application form's), answered by a
redirect to the page, which says what changed — or that nothing did (a second click). A forged or
altered token is a 404, an expired one a 410, each with a page saying what to do.

The rules of the states are in :mod:`formhandler.states`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import Blueprint, abort, redirect, render_template, request

from catalog.application import age_on, has_control

from . import answer_mails, db, exports, links, outbox, signing, states
from .content import catalog_for, today
from .db import StorageError
from .followup import moment
from .security import answer_limited, ip_limited, origin_allowed, origin_of

bp = Blueprint("answers", __name__, url_prefix="/candidatures")
log = logging.getLogger(__name__)

NOTE_MAX = 1000  # characters of the structure's message to the volunteer
# the page's notice after a click, by the code the redirect carries
NOTICES = {
    "acceptee": "Candidature acceptée : le ou la bénévole est prévenu(e) par e-mail.",
    "declinee": "Candidature déclinée : le ou la bénévole est prévenu(e) par e-mail.",
    "complete": "La mission est indiquée complète : les nouvelles candidatures vont en liste d'attente.",
    "rouverte": "Des places sont rouvertes : la liste d'attente, s'il y en a une, est prévenue dans l'ordre.",
}
ACTIONS = {"accepter": states.ACCEPTED, "decliner": states.DECLINED}


# « 1er décembre 2026 à 18 h 40 », in France
bp.add_app_template_filter(moment, "datetime_text")


def _read(purpose: str, token: str):
    """The application id of a genuine token, or the error page's answer."""
    try:
        data = signing.read(purpose, token)
    except signing.ExpiredToken as expired:
        return None, (
            render_template("link_error.html", expired=True, until=links.expiry_text(expired.expired_at)),
            410,
        )
    except signing.BadToken:
        return None, (render_template("link_error.html", expired=False), 404)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None, (render_template("link_error.html", expired=False), 404)
    return data["id"], None


def _same_origin() -> bool:
    """A post from one of the handler's own pages: the site's origin (one origin with nginx and
    ``make run``), or the handler's own when it is served apart."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin and origin != "null":
        try:
            if origin_of(origin) == origin_of(request.host_url):
                return True
        except ValueError:
            return False
    return origin_allowed()


def _refused():
    return render_template("link_error.html", refused=True, expired=False), 403


def _mission(mission_id: str):
    current = catalog_for(mission_id)
    return current, current.missions.get(mission_id)


def _page(token: str, application_id: str, *, notice: str | None = None, error: str | None = None, status=200):
    store = db.store()
    row = store.find_application(application_id)
    history = store.history(application_id)
    if row is None:
        # erased (withdrawn and the structure told, or past the retention): the history says which
        return render_template("answer_gone.html", history=history, labels=states.LABELS), 200
    mission = _mission(row["mission_id"])[1]
    counts = store.mission_counts(row["mission_id"])
    return render_template(
        "answer.html",
        token=token,
        application=row,
        age=age_on(dt.date.fromisoformat(row["birth_date"]), today()),
        status=row["status"],
        labels=states.LABELS,
        moves=sorted(states.STRUCTURE_MOVES[row["status"]]) if mission is not None else [],
        history=history,
        mission=mission,
        counts=counts,
        complete=store.mission_complete(row["mission_id"]),
        until=links.expiry_text(links.expires_at(mission.end if mission else None, row["created_at"])),
        notice=notice,
        error=error,
        note_max=NOTE_MAX,
    ), status


@bp.get("/<token>/")
def show(token: str):
    """The application, its state and the buttons: reading changes nothing."""
    application_id, problem = _read(links.ANSWER, token)
    if problem:
        return problem
    return _page(token, application_id, notice=NOTICES.get(request.args.get("fait", "")))


@bp.errorhandler(StorageError)
def unavailable(error):
    """The database cannot be read: say so, and when to come back (the link still works then)."""
    log.error("page de réponse indisponible : %s", type(error).__name__)
    return render_template(
        "handler_error.html",
        status=503,
        mission_id=None,
        message="La candidature ne peut pas être lue pour le moment : réessayez dans quelques minutes avec le même lien.",
    ), 503


@bp.post("/<token>/")
def act(token: str):
    """One button: accept, decline, complete, reopen; then back to the page, which says what changed."""
    application_id, problem = _read(links.ANSWER, token)
    if problem:
        return problem
    if not _same_origin():
        return _refused()
    if ip_limited():
        abort(429)
    action = request.form.get("action", "")
    note = (request.form.get("message") or "").replace("\r\n", "\n").strip()  # a textarea sends CRLF
    if len(note) > NOTE_MAX:
        return _page(
            token, application_id, error=f"Le message dépasse {NOTE_MAX} caractères : raccourcissez-le.", status=422
        )
    if has_control(note, allow_newlines=True):
        return _page(
            token,
            application_id,
            error="Le message contient des caractères invisibles ou de contrôle : retapez-le sans les copier-coller.",
            status=422,
        )
    if action in ACTIONS and answer_limited(application_id):
        return _page(
            token,
            application_id,
            error="Cette candidature a reçu trop de réponses en une heure : réessayez plus tard.",
            status=429,
        )
    row = db.store().find_application(application_id)
    if row is None:
        return _page(token, application_id)
    current, mission = _mission(row["mission_id"])
    if mission is None or action not in {*ACTIONS, "complete", "rouvrir"}:
        return _page(token, application_id, error="Cette action n'est pas possible.", status=400)
    now = time.time()
    # read before the transaction, whose writer lock every process waits for: the whole catalogue
    nearby = answer_mails.nearby_missions(mission) if action == "decliner" else []
    try:
        with db.transaction() as store:
            if action in ACTIONS:
                outcome = states.answer(store, current, mission, application_id, ACTIONS[action], note, now, nearby)
            else:
                outcome = states.set_complete(store, current, mission, action == "complete", now)
    except StorageError as error:
        log.error("réponse non enregistrée pour la mission %s : %s", row["mission_id"], type(error).__name__)
        return _page(
            token,
            application_id,
            error="Votre réponse n'a pas pu être enregistrée : réessayez dans quelques minutes.",
            status=503,
        )
    log.info("candidature %s : %s (%s)", application_id, action, "fait" if outcome.changed else "inchangé")
    if outcome.mails:
        outbox.notify()
    if not outcome.changed:
        return _page(token, application_id, notice=outcome.message)
    code = {"accepter": "acceptee", "decliner": "declinee", "complete": "complete", "rouvrir": "rouverte"}[action]
    return redirect(f"{request.path}?fait={code}", code=303)


@bp.get("/retrait/<token>/")
def withdraw_page(token: str):
    application_id, problem = _read(links.WITHDRAW, token)
    if problem:
        return problem
    return _withdraw_view(application_id)


def _withdraw_view(application_id: str, *, done: bool = False, message: str | None = None, status=200):
    row = db.store().find_application(application_id)
    mission = _mission(row["mission_id"])[1] if row is not None else None
    withdrawn = row is None or row["status"] == states.WITHDRAWN
    return render_template(
        "withdraw.html", application=row, mission=mission, withdrawn=withdrawn, done=done, message=message
    ), status


@bp.post("/retrait/<token>/")
def withdraw(token: str):
    application_id, problem = _read(links.WITHDRAW, token)
    if problem:
        return problem
    if not _same_origin():
        return _refused()
    row = db.store().find_application(application_id)
    if row is None:
        return _withdraw_view(application_id)
    current, mission = _mission(row["mission_id"])
    try:
        with db.transaction() as store:
            if mission is None:  # the mission is gone from the site: withdrawn all the same, nobody left to offer
                outcome = _withdraw_without_mission(store, row)
            else:
                outcome = states.withdraw(store, current, mission, application_id, time.time())
    except StorageError as error:
        log.error("retrait non enregistré : %s", type(error).__name__)
        return _withdraw_view(
            application_id,
            message="Votre retrait n'a pas pu être enregistré : réessayez dans quelques minutes.",
            status=503,
        )
    log.info("candidature %s : retrait (%s)", application_id, "fait" if outcome.changed else "inchangé")
    outbox.notify()
    return _withdraw_view(application_id, done=outcome.changed, message=outcome.message)


def _withdraw_without_mission(store, row):
    """A withdrawal when the mission is no longer in the content: no structure to tell, erased at once."""
    if row["status"] == states.WITHDRAWN:
        return states.Outcome(False, "Votre candidature est déjà retirée.")
    store.add_event(row["id"], row["mission_id"], states.WITHDRAWN, states.VOLUNTEER, time.time())
    store.erase_applications([row["id"]])
    return states.Outcome(True, "Votre candidature est retirée et vos données effacées.")


# What the site's listings and search show of the places (plugins/reserve_civique reads it at the
# next build): mission id -> accepted, applications, waiting, complete.
exports.register("missions", lambda store: store.missions_places())
