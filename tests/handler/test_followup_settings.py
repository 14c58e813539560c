"""The follow-up's settings (issue 15): ``COORDINATORS`` read and checked at start, the reminder's delay."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from formhandler import create_app
from formhandler.coordinators import coordinators_by_department
from formhandler.settings import SettingsError
from tests.helpers import ROOT


def test_coordinators_are_read_per_department():
    assert coordinators_by_department(" 02 = a@exemple.fr, b@exemple.fr ;2a=c@exemple.fr;") == {
        "02": ["a@exemple.fr", "b@exemple.fr"],
        "2A": ["c@exemple.fr"],
    }
    assert coordinators_by_department("") == {}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("02", "COORDINATORS : « 02 » doit être un département suivi de ses adresses"),
        ("02=", "COORDINATORS : « 02= » doit être un département suivi de ses adresses"),
        ("99=a@exemple.fr", "COORDINATORS : « 99 » n'est pas un code de département"),
        ("02=a@exemple.fr;02=b@exemple.fr", "COORDINATORS : le département 02 est donné deux fois"),
        ("02=pas-une-adresse", "COORDINATORS : « pas-une-adresse » n'est pas une adresse e-mail"),
        ("02=a@exemple.fr,60=b@exemple.fr", "COORDINATORS : « 60=b@exemple.fr » : séparez les départements par « ; »"),
    ],
)
def test_a_wrong_coordinators_setting_stops_the_start(tmp_path, setting, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        create_app({"DATABASE": str(tmp_path / "db"), "COORDINATORS": setting})


def test_the_reminder_delay_is_a_positive_number_of_days(tmp_path):
    with pytest.raises(SettingsError, match="ANSWER_REMINDER_DAYS doit valoir au moins 1"):
        create_app({"DATABASE": str(tmp_path / "db"), "ANSWER_REMINDER_DAYS": 0})


def test_coordinators_fit_an_environment_variable(tmp_path):
    code = "from formhandler import create_app; print(create_app().config['COORDINATORS'])"
    env = {
        "FLASK_DATABASE": str(tmp_path / "x.sqlite3"),
        "FLASK_COORDINATORS": "02=a@exemple.fr,b@exemple.fr;60=c@exemple.fr",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "02=a@exemple.fr,b@exemple.fr;60=c@exemple.fr"
