"""The iCalendar writer: escaping and folding as RFC 5545 says, read back by the icalendar library."""

import dataclasses

import icalendar
import pytest

from catalog import load_catalog
from reserve_civique import opendata
from reserve_civique.views import build_mission_views
from tests.helpers import DATA, TODAY


@pytest.fixture(scope="module")
def view():
    catalog = load_catalog(DATA / "content", today=TODAY)
    return build_mission_views(catalog, TODAY, "/api")["colis-laon"]


@pytest.mark.parametrize(
    "title",
    [
        "Colis ; soupe, pain \\ et « café »",
        "Très long intitulé accentué " + "éàç" * 60,
        "Émoji 🙂 " * 20,
        "Deux\nlignes",
    ],
    ids=["separators", "long-accented", "four-byte-characters", "newline"],
)
def test_text_values_come_back_unchanged(view, title):
    changed = dataclasses.replace(view, mission=dataclasses.replace(view.mission, title=title))
    data = opendata.calendar_from([opendata.event(changed, "https://aider.example.org")], f"Calendrier, {title}")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["x-wr-calname"]).startswith("Calendrier\\,")  # an X- property: the library keeps escapes
    (event,) = parsed.walk("VEVENT")
    assert str(event["summary"]) == title
    assert str(event["description"]).endswith("Candidater : https://aider.example.org/missions/colis-laon/")


def test_all_day_event_fields(view):
    data = opendata.calendar_from([opendata.event(view, "https://aider.example.org")], "x")
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-12-07"
    assert event.decoded("dtend").isoformat() == "2027-04-01"
    assert event.decoded("dtstamp").isoformat() == "2026-11-20T00:00:00+00:00"
    assert str(event["uid"]) == "mission-colis-laon@aider.example.org"
    assert str(event["location"]) == "12 rue du Bourg, 02000 Laon"
    assert [str(c) for c in event["categories"].cats] == [view.domain.label]
    assert "Horaires : Le mardi de 9 h à 12 h" in str(event["description"])
