"""Coordinators' and operators' commands: ``flask --app formhandler …``.

applications list [--mission ID] [--status S]  the applications, newest first, with their state
applications export [-o FILE]         CSV (formula cells neutralised)
applications stats                    counts by state, mission, structure, domain; answer rate, median time
outbox show [--failed]                pending and failed mails
outbox run                            deliver mails (a separate worker)
outbox resend ID                      queue a mail again (same Message-ID)
proposals list|show|accept|reject     missions proposed through the form
purge [--days N]                      erase applications and proposals older than the retention
erase EMAIL                           erase everything about one address
db upgrade|version|copy|scrub         the schema, a copy to another database (SQLite to PostgreSQL)
exports write                         the files the site's build reads (places taken, volunteers waiting)
reminders send                        remind structures of unanswered applications, then tell coordinators
digest send [--day AAAA-MM-JJ]        each department's daily summary to its coordinators
alerts send                           after each publication: mail waiting volunteers the new missions
pool stats [--json]                   volunteers waiting for a mission, and what the alerts led to

One module per group (:mod:`.applications`, :mod:`.outbox`, :mod:`.proposals`, :mod:`.data`
for ``purge`` and ``erase``, :mod:`.db` for the database itself, :mod:`.exports`, :mod:`.followup`, :mod:`.alerts`); every line
that may hold a visitor's text goes through
:func:`.output.echo`, and a command fails with :class:`.output.CommandError`.
"""

from __future__ import annotations

from flask import Flask

from . import alerts, applications, data, db, exports, followup, outbox, proposals


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(proposals.group)
    app.cli.add_command(applications.group)
    app.cli.add_command(outbox.group)
    app.cli.add_command(data.purge)
    app.cli.add_command(data.erase)
    app.cli.add_command(db.group)
    app.cli.add_command(exports.group)
    app.cli.add_command(followup.reminders)
    app.cli.add_command(followup.digest)
    app.cli.add_command(alerts.alerts_group)
    app.cli.add_command(alerts.pool_group)
