"""The content check's problems in the forges' formats, so that they show on the lines of a pull request.

``github``: workflow commands (``::error file=…,line=…,title=…::message``), which GitHub
Actions turns into annotations on the changed lines. ``gitlab``: a Code Quality report
(a JSON list), which GitLab shows in the merge request and on the diff.
"""

from __future__ import annotations

import hashlib
import json

from .problems import ERROR, Problem

TOOL = "make check"


def _escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which separate properties."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def title(problem: Problem) -> str:
    """The annotation's title: the tool and the field at fault."""
    return f"{TOOL} ({problem.field})" if problem.field else TOOL


def github_command(problem: Problem) -> str:
    """One GitHub workflow command: ``::error`` for an error, ``::warning`` for a warning."""
    kind = "error" if problem.severity == ERROR else "warning"
    properties = ",".join(
        f"{name}={_escape_property(value)}"
        for name, value in (("file", problem.path), ("line", str(problem.line)), ("title", title(problem)))
    )
    return f"::{kind} {properties}::{_escape_data(problem.message)}"


def gitlab_report(problems: list[Problem]) -> list[dict]:
    """GitLab's Code Quality report: one entry per problem.

    The fingerprint names the problem without its line (the file, the field, the
    message and its rank among equal ones), so that GitLab sees a problem on a line
    moved by the change as the same, not as one fixed and one new.
    """
    seen: dict[tuple, int] = {}
    report = []
    for problem in problems:
        key = (problem.path, problem.field, problem.message, problem.severity)
        seen[key] = rank = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256("\0".join(map(str, (*key, rank))).encode()).hexdigest()
        report.append(
            {
                "description": f"{problem.field} : {problem.message}" if problem.field else problem.message,
                "check_name": problem.field or "fichier",
                "fingerprint": fingerprint,
                "severity": "major" if problem.severity == ERROR else "minor",
                "location": {"path": problem.path, "lines": {"begin": problem.line}},
            }
        )
    return report


def gitlab_json(problems: list[Problem]) -> str:
    """The report as a JSON document."""
    return json.dumps(gitlab_report(problems), ensure_ascii=False, indent=2) + "\n"
