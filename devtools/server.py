"""`make run`: the built site and the form handler on one origin, with a local mail catcher.

    python -m devtools.server [--port 8000] [--output output]

Static files come from output/ (a folder serves its index.html; unknown paths
get 404.html); /api/ and /healthz go to the Flask app. Mails go to a local
SMTP server on port 8025 that stores them under var/mail/ and prints a line
for each. A changed mission, structure or template is rebuilt at once
(`devtools/watch.py`; ``--no-watch`` to serve the output as it is). For
development only: production uses nginx + gunicorn (deploy/).
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import signal
import sys
from pathlib import Path

from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from formhandler import create_app
from formhandler.security import SECURITY_HEADERS
from formhandler.settings import local_config

from . import watch
from .mailcatcher import MailCatcher, free_port

API_PREFIXES = ("/api/", "/healthz", "/candidatures/")  # as deploy/nginx.conf routes them
mimetypes.add_type("application/atom+xml", ".atom")
mimetypes.add_type("text/calendar", ".ics")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/javascript", ".mjs")


class SiteAndHandler:
    """WSGI app: static site from ``root``, API paths to ``api``."""

    def __init__(self, root: Path, api):
        self.root = root.resolve()
        self.api = api

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith(API_PREFIXES):
            return self.api(environ, start_response)
        return self.static(Request(environ))(environ, start_response)

    def _file(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            if not path.endswith("/"):
                return None
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("Méthode non autorisée", status=405)
        path = request.path
        found = self._file(path)
        if found is None and (self.root / path.lstrip("/")).is_dir() and not path.endswith("/"):
            response = Response(status=301, headers={"Location": path + "/"})
        elif found is None:
            page = self.root / "404.html"
            response = Response(page.read_bytes() if page.is_file() else b"404", status=404, mimetype="text/html")
        else:
            mimetype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            response = Response(found.read_bytes(), mimetype=mimetype)
            response.headers["Cache-Control"] = "no-cache"
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # the static pages carry JSON-LD and use Pagefind's WebAssembly
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval';"
            " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
        return response


def _site_look() -> dict:
    """The site's identity and operator (pelicanconf.py), for the handler's pages to look the same."""
    from pelican.settings import read_settings

    settings = read_settings("pelicanconf.py")
    operator = settings.get("OPERATOR") or {}
    return {"IDENTITY": settings.get("IDENTITY", "etat"), "OPERATOR_NAME": operator.get("name", "")}


def handler_config(host: str, port: int, mail_port: int, folder: str = "var") -> dict:
    """The handler's settings under ``make run``: its database and files in ``folder`` (var/)."""
    site_url = f"http://{host}:{port}"
    config = local_config(
        folder,
        site_url,
        mail_port,
        rate_limits=True,  # as in production: a developer sees a 429 coming
        ALLOWED_ORIGINS=f"{site_url},http://localhost:{port}",
        OUTBOX_RETRY_BASE=10,
        CONTENT_RELOAD_SECONDS=5,
        **_site_look(),
    )
    if "FLASK_DATABASE" in os.environ:
        config["DATABASE"] = os.environ["FLASK_DATABASE"]
    return config


def write_exports(host: str = "127.0.0.1", port: int = 8000, folder: str = "var") -> bool:
    """Write the handler's exports (var/exports/: places taken, waiting lists) for the build that
    follows; optional: whatever fails, the build goes on and shows what it shows without them."""
    from formhandler import exports

    try:
        app = create_app(handler_config(host, port, 8025, folder))
        try:
            with app.app_context():
                exports.write(app=app)
        finally:
            app.extensions["database"].close()
    except Exception as error:  # no database yet, a database server down…: the site is built without
        print(f"Exports du formulaire non écrits ({type(error).__name__}) : le site est construit sans.", flush=True)
        return False
    return True


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Site + formulaire + courrier local, pour le développement.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--output", default="output")
    parser.add_argument("--mail-port", type=int, default=8025)
    parser.add_argument(
        "--no-watch", dest="watch", action="store_false", help="ne pas reconstruire à chaque modification"
    )
    args = parser.parse_args(argv)

    mail_port = args.mail_port
    try:
        catcher = MailCatcher(port=mail_port, folder="var/mail", echo=True).start()
    except (OSError, RuntimeError):
        mail_port = free_port()
        catcher = MailCatcher(port=mail_port, folder="var/mail", echo=True).start()
    site_url = f"http://{args.host}:{args.port}"
    api = create_app(handler_config(args.host, args.port, mail_port))
    print(f"Site et formulaire : {site_url}/")
    print(f"Courrier : serveur local sur le port {mail_port}, messages rangés dans var/mail/")
    watcher = watch.start(args.output, search_index=True) if args.watch else None
    if watcher is not None:
        print("Contenu et gabarits surveillés : une modification est reconstruite aussitôt, puis l'index de recherche")
    print("Arrêt : Ctrl-C")
    # stopped by a service manager or `kill` (SIGTERM): the same orderly stop as Ctrl-C, watcher included
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(args.host, args.port, SiteAndHandler(Path(args.output), api), threaded=True, use_reloader=False)
    finally:
        if watcher is not None:
            watcher.terminate()
            watcher.wait(10)
        catcher.stop()


if __name__ == "__main__":
    main()
