"""The follow-up's morning unit (issue 15): it runs the documented commands, and the guide enables it
(systemd-analyze verifies it with every unit: test_production.py)."""

from __future__ import annotations

from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"


def test_the_morning_unit_reminds_then_sums_up_with_the_documented_commands():
    unit = (DEPLOY / "reserve-civique-digest.service").read_text(encoding="utf-8")
    commands = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert commands == [
        "/srv/reserve-civique/.venv/bin/flask --app formhandler reminders send",
        "/srv/reserve-civique/.venv/bin/flask --app formhandler digest send",
    ]
    assert "Type=oneshot" in unit and "FLASK_DATABASE=" in unit and "EnvironmentFile=-/etc/reserve-civique/env" in unit
    timer = (DEPLOY / "reserve-civique-digest.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 07:30:00 Europe/Paris" in timer and "Persistent=true" in timer
    guide = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    enable = next(line for line in guide.splitlines() if line.startswith("systemctl enable --now reserve-civique-web"))
    assert "reserve-civique-digest.timer" in enable
