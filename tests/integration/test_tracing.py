"""One trace spans gateway → service → outbox → Kafka → consumer, exported by
OTLP/HTTP to a real receiver on loopback."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings
from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.observability.tracing import flush
from jxc.platform.testing import Infrastructure, OtlpReceiver, TokenIssuer, eventually, serving

from probe import effects
from probe_app import probe_database, probe_spec

SERVER, PRODUCER, CONSUMER = 2, 4, 5  # OTLP SpanKind numbers


async def test_one_trace_from_gateway_to_consumer(infra: Infrastructure) -> None:
    probe_url = await probe_database(infra)
    receiver = OtlpReceiver()
    issuer = TokenIssuer()
    db = Database(probe_url)
    service = create_app(probe_spec(infra, probe_url, issuer,
                                    otlp_endpoint=receiver.endpoint))
    try:
        async with serving(service) as service_url:
            gateway = create_gateway(GatewaySettings(
                upstreams={"probe": service_url}, otlp_endpoint=receiver.endpoint,
                jwks_url=f"{service_url}/.well-known/jwks.json"))
            async with serving(gateway) as gateway_url:
                async with httpx.AsyncClient(base_url=gateway_url) as client:
                    response = await client.post(
                        "/api/v1/probe/pings", json={"aggregate": "traced", "seq": 1},
                        headers={**issuer.headers("*"), "X-Request-ID": "trace-test-1"})
                assert response.status_code == 201, response.text
                assert response.headers["x-request-id"] == "trace-test-1"

                async def consumed() -> bool:
                    async with db.session() as session:
                        return bool(await session.scalar(
                            select(func.count()).select_from(effects)
                            .where(effects.c.aggregate == "traced")))
                await eventually(consumed, what="the event consumed")

        def whole_trace() -> list[dict[str, object]] | None:
            flush()
            gateway_spans = [s for s in receiver.spans if s["kind"] == SERVER
                             and s["name"].startswith("POST /api/v1/{service}")]
            if not gateway_spans:
                return None
            trace_id = gateway_spans[0]["trace_id"]
            spans = [s for s in receiver.spans if s["trace_id"] == trace_id]
            kinds = {s["kind"] for s in spans}
            names = {s["name"] for s in spans}
            if {PRODUCER, CONSUMER} <= kinds and "POST /api/v1/probe/pings" in names:
                return spans
            return None
        spans = await eventually(whole_trace, what="spans of one trace from every hop")
        by_name = {s["name"]: s for s in spans}
        assert "probe.events.v1 publish" in by_name
        assert "probe.events.v1 process" in by_name
        # The consumer's span descends from the relay's producer span.
        assert by_name["probe.events.v1 process"]["parent_span_id"] == \
            by_name["probe.events.v1 publish"]["span_id"]
    finally:
        receiver.close()
        await db.dispose()
