"""POST /api/proposals: a structure proposes a mission without git.

Checked with the same core rules as `make check`, stored with its mails in one
transaction, then mailed to the coordinators (the generated YAML files
attached) and to the proposer.
"""

from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template

from catalog import SiteModel
from catalog.proposal import build_proposal

from . import db, links, outbox
from .applications import _problem, check_origin
from .content import catalog, today
from .db import StorageError
from .mails import PROPOSAL_COORDINATORS, PROPOSAL_PROPOSER, recipients_of, spec
from .security import address_limited, ip_limited, posted_data, wants_json

bp = Blueprint("proposals", __name__, url_prefix="/api")
log = logging.getLogger(__name__)
bp.before_request(check_origin)

FORM_FIELDS = (
    "structure", "structure_name", "structure_type", "structure_siret", "structure_rna", "structure_city",
    "structure_postal_code", "structure_description", "structure_website", "contact_name", "contact_email",
    "contact_phone", "title", "domain", "summary", "description", "remote", "address", "postal_code", "city",
    "department", "start", "end", "schedule", "places", "requirements", "health_guidelines",
)  # fmt: skip


@bp.post("/proposals")
def propose():
    """Check, store (proposal + mails), answer."""
    if ip_limited():
        abort(429)
    data = posted_data()
    site = links.site_url()
    if data.get("website"):  # honeypot: answered like a success
        if wants_json():
            return jsonify({"id": secrets.token_hex(16)}), 201
        return redirect(f"{site}/proposer-une-mission/merci/", code=303)
    current = catalog()
    proposal, errors = build_proposal(data, current, today())
    if errors:
        if wants_json():
            return jsonify({"errors": errors}), 422
        values = {k: data.get(k) for k in FORM_FIELDS if isinstance(data.get(k), str)}
        return render_template("proposal_errors.html", errors=errors, values=values, rc=_site_model(current)), 422
    if address_limited("contact_email"):  # counted only for a valid proposal, as for applications
        abort(429)
    now = time.time()
    proposal_id = secrets.token_hex(16)
    contact_email = proposal.contact_email
    context = {
        "proposal_id": proposal_id,
        "mission_id": proposal.mission_id,
        "structure_slug": proposal.structure_slug,
        "new_structure": proposal.structure_yaml is not None,
        "title": str(data.get("title", "")).strip(),
        "structure_name": (
            current.structures[proposal.structure_slug].name
            if proposal.structure_yaml is None
            else str(data.get("structure_name", "")).strip()
        ),
        "contact_name": str(data.get("contact_name", "")).strip(),
        "contact_email": contact_email,
        "files": proposal.files(),
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    coordinators = recipients_of(current_app.config["COORDINATORS_EMAIL"])
    mails = [spec(PROPOSAL_PROPOSER, contact_email, context)]
    if coordinators:
        mails.insert(0, spec(PROPOSAL_COORDINATORS, coordinators, context))
    try:
        with db.transaction() as store:
            store.add_proposal(
                proposal_id, proposal, created_at=now, contact_name=context["contact_name"], contact_email=contact_email
            )
            store.add_mails(mails, now, proposal_id=proposal_id)
    except StorageError as error:
        log.error("proposition non enregistrée : %s", type(error).__name__)
        return _problem(
            503, "Votre proposition n'a pas pu être enregistrée. Rien n'a été envoyé : réessayez dans quelques minutes."
        )
    log.info("proposition %s enregistrée (mission %s)", proposal_id, proposal.mission_id)
    outbox.notify()
    if wants_json():
        return jsonify({"id": proposal_id, "mission_id": proposal.mission_id}), 201
    return redirect(f"{site}/proposer-une-mission/merci/", code=303)


def _site_model(current):
    """What the proposal form needs: domains, structure types, existing structures."""
    return SiteModel.of(current)
