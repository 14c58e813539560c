"""Open data and subscriptions: missions.json, missions.csv, Atom feeds, iCalendar files.

Everything is derived from the content only (no clock), so two builds of the
same content give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json

import feedgenerator

from catalog.public import CSV_COLUMNS, csv_values

from .views import MissionView, recency


def json_line(record: dict) -> str:
    """A mission's record (:meth:`~catalog.PublicMission.record`) in ``/missions.json``: one line, so a diff
    shows one line per mission."""
    return json.dumps(record, ensure_ascii=False)


_CSV_OUT = io.StringIO()  # one row at a time (a writer per row cost as much as the row)
_CSV_WRITER = csv.writer(_CSV_OUT, lineterminator="\r\n")


def csv_row(record: dict) -> str:
    """A mission's record (:meth:`~catalog.PublicMission.record`) as its row in ``/missions.csv``."""
    _CSV_OUT.seek(0)
    _CSV_OUT.truncate()
    _CSV_WRITER.writerow(csv_values(record))
    return _CSV_OUT.getvalue()


def missions_json(lines: list[str], site_url: str) -> str:
    """``/missions.json`` from the records' lines: every open mission, described by ``/missions.schema.json``."""
    head = json.dumps(site_url + "/missions.schema.json", ensure_ascii=False)
    body = ",\n".join(lines)
    return f'{{"$schema": {head},\n"licence": "Licence Ouverte 2.0 (Etalab)",\n"missions": [\n{body}\n]}}\n'


def missions_csv(rows: list[str]) -> str:
    """``/missions.csv`` from the missions' rows, under the header."""
    return ",".join(CSV_COLUMNS) + "\r\n" + "".join(rows)


def _as_datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _published(view: MissionView) -> dt.date:
    return view.published or view.start


class _Feed(feedgenerator.Atom1Feed):
    """Atom feed whose <updated> comes from the content, never from the clock."""

    updated: dt.datetime

    def latest_post_date(self):
        return self.updated


def newest(views: list[MissionView], limit: int = 50, recent: list[MissionView] | None = None) -> list[MissionView]:
    """The ``limit`` most recently published missions, newest first: a feed's entries.

    ``recent``, every mission sorted by :func:`recency` newest first (sorted here
    when not given), lets each feed take its entries from the top of one list
    instead of ranking its missions again.
    """
    if recent is None:
        recent = sorted(views, key=recency, reverse=True)
    members = set(map(id, views))
    return list(itertools.islice((v for v in recent if id(v) in members), limit))


def atom_feed(title: str, feed_path: str, page_path: str, ordered: list[MissionView], site_url: str) -> str:
    """An Atom feed of these missions (see :func:`newest`): what a feed reader needs."""
    updated = _as_datetime(max((_published(v) for v in ordered), default=dt.date(2020, 1, 1)))
    feed = _Feed(
        title=title,
        link=site_url + page_path,
        feed_url=site_url + feed_path,
        description="",
        language="fr",
        feed_guid=site_url + feed_path,
    )
    feed.updated = updated
    for view in ordered:
        where = "à distance" if view.remote else f"{view.city} ({view.department})"
        feed.add_item(
            title=view.title,
            link=site_url + view.url,
            unique_id=site_url + view.url,
            description=f"{view.summary} — {where}, {view.dates_text}.",
            pubdate=_as_datetime(_published(view)),
            updateddate=_as_datetime(_published(view)),
            categories=[view.domain.label],
        )
    out = io.StringIO()
    feed.write(out, "utf-8")
    return out.getvalue()


def _text(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, limit = [], 75
    while len(data) > limit:
        cut = limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            cut -= 1
        parts.append(data[:cut])
        data, limit = data[cut:], 74  # a folded line starts with one space
    parts.append(data)
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def event(view: MissionView, site_url: str) -> str:
    """One all-day VEVENT spanning the mission (DTEND is exclusive), folded, ready to place in a calendar."""
    host = site_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    where = (
        "À distance" if view.remote else f"{view.location.address}, {view.location.postal_code} {view.location.city}"
    )
    details = [view.summary]
    if view.schedule:
        details.append(f"Horaires : {view.schedule}")
    details.append(f"Structure : {view.structure['name']}")
    details.append(f"Candidater : {site_url}{view.url}")
    last = view.end or view.start
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(view.title)}",
        f"DTSTART;VALUE=DATE:{view.start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last + dt.timedelta(days=1):%Y%m%d}",
        f"DTSTAMP:{_published(view):%Y%m%d}T000000Z",
        f"UID:mission-{view.id}@{host}",
        f"CATEGORIES:{_text(view.domain.label)}",
        f"DESCRIPTION:{_text(chr(10).join(details))}",
        f"LOCATION:{_text(where)}",
        f"URL:{site_url}{view.url}",
        "END:VEVENT",
    ]
    return "".join(_fold(line) for line in lines)


def calendar_from(events: list[str], name: str) -> bytes:
    """An iCalendar file (RFC 5545) around ready-made events.

    Written directly: the ``icalendar`` library took 1–2 ms per event (a tenth
    of a 10,000-mission build); the tests parse every file back with it.
    """
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Réserve civique//Je veux aider//FR",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    return ("".join(_fold(line) for line in head) + "".join(events) + "END:VCALENDAR\r\n").encode("utf-8")


def job_posting(view: MissionView, site_url: str) -> str:
    """schema.org JobPosting (employmentType VOLUNTEER) for an open mission."""
    data = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": view.title,
        "description": view.summary,
        "datePosted": (view.published or view.start).isoformat(),
        "employmentType": "VOLUNTEER",
        "hiringOrganization": {"@type": "Organization", "name": view.structure["name"]},
        "url": site_url + view.url,
        "totalJobOpenings": view.places,
    }
    if view.end:
        data["validThrough"] = view.end.isoformat()
    if view.remote:
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
    else:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": view.location.address,
                "postalCode": view.location.postal_code,
                "addressLocality": view.location.city,
                "addressCountry": "FR",
            },
        }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
