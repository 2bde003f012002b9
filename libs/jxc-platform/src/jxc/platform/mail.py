"""Outgoing mail through the SMTP server the settings name (``JXC_SMTP_*``).

:func:`send_mail` delivers one message and returns its ``Message-ID``. A
server that is not configured, unreachable, or refuses the message raises
:class:`MailUnavailable` (503 problem+json ``mail_unavailable``), so a caller
can record the failure and try again later; a client never sees a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from jxc.platform.errors import ServiceUnavailable
from jxc.platform.settings import ServiceSettings

log = logging.getLogger("jxc.mail")


class MailUnavailable(ServiceUnavailable):
    code, title = "mail_unavailable", "Mail cannot be sent"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OutgoingMail:
    to: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


def compose(settings: ServiceSettings, mail: OutgoingMail) -> EmailMessage:
    """The MIME message :func:`send_mail` sends, with a fresh ``Message-ID``."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(mail.text)
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype,
                               subtype=subtype or "octet-stream", filename=attachment.filename)
    return message


async def send_mail(settings: ServiceSettings, mail: OutgoingMail) -> str:
    """Send ``mail``; return its ``Message-ID`` or raise :class:`MailUnavailable`."""
    if not settings.smtp_host:
        raise MailUnavailable("No mail server is configured (JXC_SMTP_HOST).")
    if not mail.to:
        raise ValueError("a mail needs at least one recipient")
    message = compose(settings, mail)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_username, password=password,
            start_tls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds)
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.warning("mail to %s via %s:%s failed: %s", ", ".join(mail.to),
                    settings.smtp_host, settings.smtp_port, exc)
        raise MailUnavailable(
            f"The mail server {settings.smtp_host}:{settings.smtp_port} did not accept "
            "the message; try again later.", headers={"Retry-After": "60"}) from exc
    return str(message["Message-ID"])
