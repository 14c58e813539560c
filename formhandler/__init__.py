"""The form handler: receives volunteers' applications, stores them, mails them.

flask --app formhandler run                 # development
gunicorn 'formhandler:create_app()'         # production
flask --app formhandler outbox run          # a separate delivery worker
flask --app formhandler db upgrade          # the schema, on SQLite or PostgreSQL (FLASK_DATABASE)
"""

from __future__ import annotations

import os

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from catalog.text import number, plural

from . import cli, content, db, outbox, security, signing
from .settings import check, defaults


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, then ``instance/config.py``, ``FLASK_*`` variables, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(defaults())
    before = dict(app.config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    user_keys = {k for k, v in app.config.items() if k not in before or before[k] is not v}
    check(app.config, user_keys)

    theme_templates = os.path.join(app.config["THEME_DIR"], "templates")
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(theme_templates)])
    app.jinja_env.filters.update({"plural": plural, "number": number})
    app.jinja_env.globals.update(
        {
            "SITENAME": app.config["SITE_NAME"],
            "SITESUBTITLE": "",
            "SITEURL": app.config["SITE_URL"],
            # the site's look and operator, so that the handler's pages are the site's (theme/templates/base.html)
            "IDENTITY": app.config["IDENTITY"],
            "OPERATOR": {"name": app.config["OPERATOR_NAME"]} if app.config["OPERATOR_NAME"] else None,
        }
    )

    app.json.sort_keys = False  # errors keep the order of the form
    signing.init_app(app)
    db.init_app(app)
    content.init_app(app)
    outbox.init_app(app)
    security.init_app(app)
    cli.init_app(app)

    from . import alerts, answers, applications, health, pool, proposals  # noqa: F401 (pool: registers its export)

    app.register_blueprint(applications.bp)
    app.register_blueprint(answers.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(health.bp)
    return app
