"""Request safety: trusted proxies, Origin allow-list, rate limits, body size, security headers."""

from __future__ import annotations

import functools
import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from flask.sessions import SessionInterface
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest
from werkzeug.http import parse_accept_header
from werkzeug.middleware.proxy_fix import ProxyFix

from catalog.application import iso_date
from catalog.emails import inbox_key, inbox_of

from . import ratelimits

log = logging.getLogger(__name__)


def client_ip() -> str:
    """The client's address: ``remote_addr`` after ProxyFix, which reads X-Forwarded-For
    only through ``TRUSTED_PROXIES`` hops (a spoofed header changes nothing)."""
    return request.remote_addr or "-"


def client_network() -> str:
    """What the per-IP limit counts: the client's IPv4 address, or its IPv6 /64 (one subscriber
    has a whole /64 and can change addresses within it at will)."""
    address = client_ip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def wants_json() -> bool:
    """JSON answers for API clients and the page's script; HTML for a plain form post."""
    return request.is_json or _prefers_json(request.headers.get("Accept", ""))


# Browsers and the page's script send a handful of Accept headers, the same at every request:
# reading one costs what checking an application's address does.
@functools.lru_cache(maxsize=64)
def _prefers_json(accept: str) -> bool:
    return parse_accept_header(accept, MIMEAccept).best_match(["text/html", "application/json"]) == "application/json"


class NotJSON(BadRequest):
    """A body sent as JSON that cannot be read: malformed, not UTF-8, or nested deeper than the parser goes."""


def posted_data() -> dict:
    """The posted fields, from a form or a JSON object (another JSON value is an empty dict); read once per request.

    A JSON body that cannot be read raises :class:`NotJSON`, a 400.
    """
    if "posted_data" not in g:
        if request.is_json:
            try:
                data = request.get_json()
            except (BadRequest, RecursionError) as error:  # RecursionError: "[[[[…" deeper than Python's stack
                raise NotJSON() from error
            g.posted_data = data if isinstance(data, dict) else {}
        else:
            g.posted_data = {key: request.form.get(key) for key in request.form}
    return g.posted_data


def form_values(data: dict, fields, kinds: tuple[type, ...] = (str,)) -> dict:
    """What a form shows again with its errors: the posted ``fields`` of the ``kinds`` it can show
    (a date field cannot show another text: browsers empty it)."""
    values = {k: data.get(k) for k in fields if isinstance(data.get(k), kinds)}
    if iso_date(values.get("birth_date")) is None:
        values.pop("birth_date", None)
    return values


# Each form and the field holding the address its limit counts (see :func:`address_limit_keys`).
ADDRESS_FIELDS = {"applications.apply": "email", "proposals.propose": "contact_email", "alerts.sign_up": "email"}


def _address_key(field: str, value) -> str:
    """The rate-limit key of an address: one per inbox, however it is spelled."""
    if not isinstance(value, str) or not value.strip():
        return f"{field}:-"
    return f"{field}:" + inbox_key(value)


def address_limit_keys(address: str) -> list[str]:
    """The storage keys of every per-address counter of ``address`` (for ``erase``)."""
    return [
        item.key_for(endpoint, _address_key(field, address))
        for endpoint, field in ADDRESS_FIELDS.items()
        for item in _limit_items(per_email_limit())
    ]


@functools.lru_cache(maxsize=32)
def _limit_items(text: str) -> list:
    return parse_many(text)


def _over(limits: str, key: str) -> bool:
    """Count one more hit of ``key`` against each of ``limits`` (Flask-Limiter's storage and
    strategy); whether one of them is now exceeded.

    The routes check their limits themselves rather than through ``@limiter.limit``:
    the decorator made Flask-Limiter work out which limits apply twice per request
    (before the request, then in the view) — a sixth of a request's cost for each.
    """
    if not limiter.enabled:
        return False
    try:
        results = [limiter.limiter.hit(item, request.endpoint or "-", key) for item in _limit_items(limits)]
    except Exception as error:  # an application is worth more than a counter: let it through, say so
        log.error("limites d'envoi indisponibles (%s) : la demande passe sans être comptée", type(error).__name__)
        return False
    return not all(results)


def address_limited(field: str, key: str | None = None) -> bool:
    """Whether the posted address in ``field`` is over ``RATELIMIT_PER_EMAIL``; ``key``: its mailbox
    key, when the form's check has made it already (each check of an address costs 20 µs)."""
    if key is not None:
        return _over(per_email_limit(), f"{field}:" + inbox_of(key))
    return _over(per_email_limit(), _address_key(field, posted_data().get(field)))


def ip_limited() -> bool:
    """Whether the client (see :func:`client_ip`) is over ``RATELIMIT_PER_IP``."""
    return _over(per_ip_limit(), "ip:" + client_network())


def answer_limited(application_id: str) -> bool:
    """Whether the answers to this application are over ``RATELIMIT_PER_ANSWER``: each one mails
    the volunteer, with the structure's message, from the prefecture's address — whoever holds the
    link must not turn it into a stream of mails."""
    return _over(current_app.config["RATELIMIT_PER_ANSWER"], "answer:" + application_id)


def per_ip_limit() -> str:
    return current_app.config["RATELIMIT_PER_IP"]


def per_email_limit() -> str:
    return current_app.config["RATELIMIT_PER_EMAIL"]


# No X-RateLimit-* headers on every answer: computing them doubled the limiter's cost per request;
# a refused request says when to come back (Retry-After, in the 429 handler).
limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=False)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(app: Flask) -> set[str]:
    configured = app.config["ALLOWED_ORIGINS"]
    if configured:
        return {origin_of(o.strip()) for o in configured.split(",") if o.strip()}
    return {origin_of(app.config["SITE_URL"])}


def origin_allowed() -> bool:
    """A post must come from a page of the site: Origin (or else Referer) in the allow-list."""
    allowed = current_app.extensions["allowed_origins"]
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.lower() in allowed
    referer = request.headers.get("Referer")
    if referer:
        try:
            return origin_of(referer) in allowed
        except ValueError:  # not a URL (« http://[::1/ »): from no page of the site
            return False
    return False


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _refuse_streams_over_the_limit() -> None:
    """413 for a body over ``MAX_CONTENT_LENGTH`` that came without a Content-Length (chunked).

    Werkzeug refuses a Content-Length over the limit at once; a streamed body (the server
    ends it: ``wsgi.input_terminated``, as gunicorn does) is read through a stream that
    stops at the limit and, when the whole body is read at once (``request.data``,
    ``request.json``, an urlencoded form), hands over the cut body without a word. So
    such a body is read here, up to the limit; one more byte waiting behind it is a 413.
    """
    limit = request.max_content_length
    if limit is None or request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return
    try:
        over = len(request.get_data()) >= limit and request.environ["wsgi.input"].read(1)
    except Exception:  # the server could not read the body (a malformed chunk size): a bad request, not ours
        abort(400)
    if over:
        abort(413)


def _add_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class NoSession(SessionInterface):
    """No session: nobody signs in, no cookie is read or set (Flask's default would build a signing
    serializer for every request to look for one)."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def init_app(app: Flask) -> None:
    """Proxies, limiter, allowed origins, headers, no session."""
    app.session_interface = NoSession()
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = ratelimits.uri_for(app.config["DATABASE"])
    limiter.init_app(app)
    app.extensions["allowed_origins"] = allowed_origins(app)
    app.before_request(_refuse_streams_over_the_limit)
    app.after_request(_add_headers)
