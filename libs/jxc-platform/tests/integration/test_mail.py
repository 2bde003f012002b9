"""jxc.platform.mail against a real SMTP server on loopback."""

from __future__ import annotations

import asyncio

import pytest

from jxc.platform.infra import free_port
from jxc.platform.mail import Attachment, MailUnavailable, OutgoingMail, send_mail
from jxc.platform.settings import ServiceSettings
from jxc.platform.testing import smtp_server


async def test_sends_text_and_attachment_and_returns_the_message_id() -> None:
    async with smtp_server() as server:
        settings = ServiceSettings(smtp_host=server.host, smtp_port=server.port,
                                   smtp_from="buyer@jxc.example")
        pdf = b"%PDF-1.4 purchase order"
        message_id = await send_mail(settings, OutgoingMail(
            to=("sales@supplier.example", "ops@supplier.example"), subject="采购订单 PO-1",
            text="Please confirm the attached order.",
            attachments=(Attachment("PO-1.pdf", pdf, "application/pdf"),)))

        assert len(server.messages) == 1
        received = server.messages[0]
        assert received["Message-ID"] == message_id
        assert message_id.startswith("<") and message_id.endswith("@jxc.example>")
        assert received["From"] == "buyer@jxc.example"
        assert received["To"] == "sales@supplier.example, ops@supplier.example"
        assert received["Subject"] == "采购订单 PO-1"
        body = received.get_body(("plain",))
        assert body is not None and "Please confirm" in body.get_content()
        [attached] = list(received.iter_attachments())
        assert attached.get_filename() == "PO-1.pdf"
        assert attached.get_content_type() == "application/pdf"
        assert attached.get_content() == pdf


async def test_unreachable_server_is_mail_unavailable() -> None:
    settings = ServiceSettings(smtp_host="127.0.0.1", smtp_port=free_port(),
                               smtp_timeout_seconds=2)
    with pytest.raises(MailUnavailable) as raised:
        await send_mail(settings, OutgoingMail(to=("a@b.example",), subject="s", text="t"))
    assert raised.value.status == 503
    assert raised.value.body()["code"] == "mail_unavailable"


async def test_no_server_configured_is_mail_unavailable() -> None:
    with pytest.raises(MailUnavailable, match="JXC_SMTP_HOST"):
        await send_mail(ServiceSettings(), OutgoingMail(to=("a@b.example",), subject="s",
                                                        text="t"))


async def test_a_server_that_refuses_is_mail_unavailable() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"554 no service here\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        settings = ServiceSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_seconds=5)
        with pytest.raises(MailUnavailable, match="did not accept"):
            await send_mail(settings, OutgoingMail(to=("a@b.example",), subject="s", text="t"))
    finally:
        server.close()
        await server.wait_closed()
