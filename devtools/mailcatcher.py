"""A real SMTP server on loopback (aiosmtpd) that keeps every mail it accepts.

Used by `make run` (mails saved under var/mail/, one line printed per mail)
and by the tests (mails kept in memory; scripted failures such as 451 or 550).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class CaughtMail:
    """One accepted mail: envelope and parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    received_at: float = 0.0
    peer: tuple = ()  # the client's (address, port): one per SMTP connection

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_DATA(self, server, session, envelope):
        return self.catcher._accept(envelope, tuple(session.peer))


class MailCatcher:
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager)."""

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", folder: str | Path | None = None, echo: bool = False
    ):
        self.host = host
        self.port = port or free_port(host)
        self.folder = Path(folder) if folder else None
        self.echo = echo
        self.mails: list[CaughtMail] = []
        self._failures: deque[str] = deque()
        self._lock = threading.Lock()
        self._counter = 0
        self.controller = Controller(_Handler(self), hostname=host, port=self.port, enable_SMTPUTF8=True)

    def start(self) -> MailCatcher:
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._counter = len(list(self.folder.glob("*.eml")))
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(self, reply: str, times: int = 1) -> None:
        """Answer the next ``times`` messages with ``reply`` (e.g. ``"451 4.3.0 Try later"``)."""
        with self._lock:
            self._failures.extend([reply] * times)

    def _accept(self, envelope, peer: tuple = ()) -> str:
        with self._lock:
            if self._failures:
                return self._failures.popleft()
            caught = CaughtMail(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                received_at=time.time(),
                peer=peer,
            )
            self.mails.append(caught)
            self._counter += 1
            number = self._counter
        if self.folder:
            (self.folder / f"{number:05d}.eml").write_bytes(caught.data)
        if self.echo:
            subject = caught.message["Subject"]
            print(f"[courrier] n° {number} pour {', '.join(caught.rcpt_tos)} : {subject}", flush=True)
        return "250 Message accepted for delivery"

    def by_recipient(self, address: str) -> list[CaughtMail]:
        """Mails whose envelope includes ``address``."""
        return [m for m in self.mails if address in m.rcpt_tos]


def main() -> None:
    """``python -m devtools.mailcatcher --port 8025 --folder var/mail``: run the catcher alone."""
    import argparse

    parser = argparse.ArgumentParser(description="Serveur SMTP local qui range chaque courrier reçu.")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", default="var/mail")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    catcher = MailCatcher(port=args.port, folder=args.folder, echo=not args.quiet).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        catcher.stop()


if __name__ == "__main__":
    main()
