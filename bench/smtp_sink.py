"""The benchmark's SMTP server: aiosmtpd on loopback that notes when each mail arrives.

``python -m bench.smtp_sink PORT JOURNAL`` appends one line per accepted mail
to JOURNAL: its arrival time and the volunteer it is about (the address in
it). A relay's own disk work happens on another machine in production, so
the sink keeps no message: writing each one to its own file cost this
two-core machine about 1 ms of CPU per mail, taken from the service measured.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

VOLUNTEER = re.compile(rb"\b([a-z]+\d+)@exemple\.fr")


class Journal:
    """aiosmtpd handler: one line per mail, ``<arrival time> <volunteer>``, flushed at once."""

    def __init__(self, path: str):
        self.file = open(path, "a", encoding="ascii")  # noqa: SIM115 (open for the process's life)

    async def handle_DATA(self, server, session, envelope):
        found = VOLUNTEER.search(envelope.original_content or envelope.content)
        self.file.write(f"{time.time():.6f} {found.group(1).decode() if found else '-'}\n")
        self.file.flush()
        return "250 Message accepted for delivery"


def read_journal(path) -> list[tuple[float, str]]:
    """The (arrival time, volunteer) pairs written so far."""
    with open(path, encoding="ascii") as lines:
        return [(float(moment), who) for moment, who in (line.split() for line in lines if line.endswith("\n"))]


def main() -> None:
    port, journal = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Journal(journal), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
