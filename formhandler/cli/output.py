"""What the commands print: visitors' text escaped, times in local time, failures as ``click`` errors."""

from __future__ import annotations

import datetime as dt

import click

from catalog.text import unseen


def printable(text: str) -> str:
    """``text`` with every control or format character shown as an escape (``\\x1b``): what a
    visitor typed never reaches the terminal as a command (colours, title, cursor moves, links)."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if char not in "\n\t" and unseen(char) else char for char in text
    )


def echo(text: str = "", **kwargs) -> None:
    """``click.echo`` for every line that may hold a visitor's text."""
    click.echo(printable(text), **kwargs)


class CommandError(click.ClickException):
    """A command that cannot do what it was asked: its message (escaped) on standard error, status 1."""

    def format_message(self) -> str:
        return printable(self.message)


def when(timestamp: float | None) -> str:
    """A stored time as the operator reads it (``2026-11-29 14:05``), or nothing."""
    if not timestamp:
        return ""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
