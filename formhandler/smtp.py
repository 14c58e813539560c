"""SMTP for the outbox: one connection kept across mails, and what a failure means (retry or give up)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass


@dataclass
class DeliveryError(Exception):
    """One mail could not be delivered; ``permanent`` says whether to give up."""

    message: str
    permanent: bool

    def __str__(self) -> str:
        return self.message


def classify(error: Exception) -> DeliveryError:
    """Temporary (retry) or permanent (give up) from an SMTP or network error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return DeliveryError(f"destinataire(s) refusé(s) : codes {sorted(set(codes))}", permanent)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"authentification SMTP refusée ({error.smtp_code}) : vérifiez MAIL_USERNAME", False)
    if isinstance(error, smtplib.SMTPResponseException):
        permanent = 500 <= error.smtp_code < 600
        return DeliveryError(f"réponse SMTP {error.smtp_code}", permanent)
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        # smtplib turns a read timeout into SMTPServerDisconnected("… timed out")
        return DeliveryError("délai SMTP dépassé (le serveur ne répond pas)", False)
    if isinstance(error, (smtplib.SMTPException, OSError)):
        return DeliveryError(f"SMTP indisponible ({type(error).__name__})", False)
    return DeliveryError(f"erreur inattendue ({type(error).__name__})", False)


class SmtpSender:
    """One SMTP connection with a timeout on every operation, opened at the
    first mail and kept for the next ones; :meth:`drop` forgets it after a connection-level error."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def _open(self) -> None:
        c = self.config
        timeout = c["MAIL_TIMEOUT"]
        if c["MAIL_USE_SSL"]:
            self.smtp = smtplib.SMTP_SSL(
                c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=timeout)
            if c["MAIL_USE_TLS"]:
                self.smtp.starttls(context=ssl.create_default_context())
        if c["MAIL_USERNAME"] and c["MAIL_PASSWORD"]:
            self.smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])

    def send(self, sender: str, recipients: list[str], data: bytes) -> None:
        if self.smtp is None:
            try:
                self._open()
            except BaseException:
                self.drop()
                raise
        refused = self.smtp.sendmail(sender, recipients, data)
        if refused:  # some recipients refused, others accepted: report as refused
            raise smtplib.SMTPRecipientsRefused(refused)

    def drop(self) -> None:
        """Close the connection without a word to the server (its state is unknown)."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def __exit__(self, *exc):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
