"""The mails of volunteers waiting for a mission: the confirmation of a sign-up, the alert listing
new missions, the offer to renew a subscription that ends in a month.

Their links are signed (:mod:`formhandler.signing`), one purpose each; the alert and the renewal
offer carry RFC 8058's one-click unsubscription (``List-Unsubscribe`` with the HTTPS address of
:func:`formhandler.alerts.unsubscribe`, ``List-Unsubscribe-Post``), which mail programs show as
their own « Se désabonner » button.
"""

from __future__ import annotations

from flask import current_app, render_template

from catalog.public import PublicMission

from . import links, signing
from .mails import Draft, OutgoingMail, spec

CONFIRM, MISSIONS, RENEWAL = "alert-confirm", "alert-missions", "alert-renewal"
LISTED_MAX = 20  # missions told in full in one alert; the others are counted, one link away
CONFIRM_DAYS = 7  # a sign-up not confirmed within this is deleted (its link expires with it)


def link(purpose: str, data, *, expires_at: float | None = None) -> str:
    """The address of one of the alerts' pages, for ``purpose`` (confirm, unsubscribe, choices, renew)."""
    return links.site_url() + path(purpose, data, expires_at=expires_at)


def path(purpose: str, data, *, expires_at: float | None = None) -> str:
    """:func:`link` without the site: the handler's own pages link to each other."""
    return f"/api/alerts/{purpose}/{signing.make('alert-' + purpose, data, expires_at=expires_at)}"


def confirmation(subscription, signup, now: float, *, update: bool) -> OutgoingMail:
    """The mail whose link confirms a sign-up (``update``: new choices for a confirmed subscription,
    which travel in the link until then)."""
    data = {"s": subscription["id"]}
    if update:
        data["u"] = {
            "first_name": signup.first_name,
            "birth_date": signup.birth_date.isoformat(),
            "postal_code": signup.postal_code,
            "choices": signup.choices.as_dict(),
        }
    context = {
        "first_name": signup.first_name,
        "update": update,
        "confirm_url": link("confirm", data, expires_at=now + CONFIRM_DAYS * 86400),
        "days": CONFIRM_DAYS,
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    return spec(CONFIRM, signup.email_ascii, context)


def mission_summary(public: PublicMission, site: str) -> dict:
    """What an alert says of one mission: title, structure, town, dates, places, link."""
    return {
        "title": public.title,
        "structure": public.structure["name"],
        "town": None if public.remote else f"{public.city} ({public.department})",
        "dates": public.dates_text,
        "places": public.places,
        "url": site + public.url,
    }


def alert(subscription, summaries: list[dict], total: int, more_url: str, now: float) -> OutgoingMail:
    """The alert to one volunteer: the first :data:`LISTED_MAX` of ``total`` new missions (``summaries``)."""
    context = {
        "first_name": subscription["first_name"],
        "missions": summaries,
        "total": total,
        "more_url": more_url,
        "unsubscribe_url": link("unsubscribe", {"s": subscription["id"]}),
        "choices_url": link("choices", {"s": subscription["id"]}),
        "site_url": links.site_url(),
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    return spec(MISSIONS, subscription["email_ascii"], context)


def renewal(subscription, now: float) -> OutgoingMail:
    """A month before a subscription ends: one click keeps it six more months."""
    context = {
        "first_name": subscription["first_name"],
        "ends": links.expiry_text(subscription["expires_at"]),
        "renew_url": link("renew", {"s": subscription["id"]}),
        "unsubscribe_url": link("unsubscribe", {"s": subscription["id"]}),
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    return spec(RENEWAL, subscription["email_ascii"], context)


def _one_click(unsubscribe_url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def render_alert(kind: str, c: dict, recipients: list[str]) -> Draft:
    """The draft of an alert mail spec (see :func:`formhandler.mails.render`)."""
    headers = {}  # the confirmation goes to an address not subscribed yet: nothing to leave
    if kind == CONFIRM:
        subject = "Confirmez vos nouveaux choix" if c["update"] else "Confirmez votre inscription"
        template = "mails/alert_confirm.txt"
    else:
        headers = _one_click(c["unsubscribe_url"])
        if kind == MISSIONS:
            count = c["total"]
            subject = "Une nouvelle mission pour vous" if count == 1 else f"{count} nouvelles missions pour vous"
            template = "mails/alert_missions.txt"
        else:
            subject = f"Votre inscription se termine le {c['ends']}"
            template = "mails/alert_renewal.txt"
    return Draft(
        subject=f"{subject} : {c['site_name']}",
        to=[(c["first_name"], recipients[0])],
        reply_to=current_app.config["COORDINATORS_EMAIL"] or None,
        text=render_template(template, **c),
        date=c["date"],
        headers=headers,
    )
