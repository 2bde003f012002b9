"""crm's customer master feeds finance's credit replica over Kafka; both
services run in this process on real infrastructure."""

from __future__ import annotations

import httpx

from jxc.crm.bootstrap import MIGRATIONS as CRM_MIGRATIONS
from jxc.crm.bootstrap import build as build_crm
from jxc.crm.settings import CrmSettings
from jxc.finance.bootstrap import MIGRATIONS as FINANCE_MIGRATIONS
from jxc.finance.bootstrap import build as build_finance
from jxc.finance.settings import FinanceSettings
from jxc.platform.app import create_app
from jxc.platform.testing import Infrastructure, TokenIssuer, eventually, migrated_database, serving


async def test_credit_limit_reaches_finance(infra: Infrastructure) -> None:
    issuer = TokenIssuer()
    crm = build_crm(CrmSettings(database_url=await migrated_database(infra, CRM_MIGRATIONS, "crm"),
                                kafka_bootstrap=infra.kafka_bootstrap, outbox_poll_seconds=0.2))
    finance = build_finance(FinanceSettings(
        database_url=await migrated_database(infra, FINANCE_MIGRATIONS, "finance"),
        kafka_bootstrap=infra.kafka_bootstrap))
    crm.jwks_fetcher = finance.jwks_fetcher = issuer.fetcher
    headers = issuer.headers("crm:*", "finance:read")
    async with serving(create_app(crm)) as crm_url, serving(create_app(finance)) as finance_url, \
            httpx.AsyncClient(headers=headers) as client:
        created = await client.post(f"{crm_url}/api/v1/crm/customers", json={
            "code": "C-001", "name": "Hangzhou Tea House", "email": "buy@teahouse.cn",
            "credit_limit": "50000", "payment_terms_days": 45})
        assert created.status_code == 201, created.text
        customer = created.json()
        assert (customer["credit_limit"], customer["payment_terms_days"]) == ("50000.0000", 45)
        assert created.headers["location"] == f"/api/v1/crm/customers/{customer['id']}"

        for bad in ({"code": "C 2", "name": "x"}, {"code": "C-2", "name": "x", "email": "nope"},
                    {"code": "C-2", "name": "x", "credit_limit": "-5"},
                    {"code": "C-2", "name": "x", "payment_terms_days": -1},
                    {"code": "C-2", "name": "x", "unknown": 1}):
            rejected = await client.post(f"{crm_url}/api/v1/crm/customers", json=bad)
            assert rejected.status_code == 422, bad
        clash = await client.post(f"{crm_url}/api/v1/crm/customers",
                                  json={"code": "C-001", "name": "again"})
        assert clash.status_code == 409

        credit_url = f"{finance_url}/api/v1/finance/customers/{customer['id']}/credit"

        async def credit_limit(expected: str, terms: int | None = 45) -> bool:
            response = await client.get(credit_url)
            return response.status_code == 200 and (
                response.json()["credit_limit"], response.json()["payment_terms_days"]
            ) == (expected, terms)
        await eventually(lambda: credit_limit("50000.0000"), timeout=90,
                         what="the credit limit and payment terms in finance")

        raised = await client.patch(f"{crm_url}/api/v1/crm/customers/{customer['id']}",
                                    json={"credit_limit": "80000", "payment_terms_days": None},
                                    headers={"If-Match": created.headers["etag"]})
        assert raised.status_code == 200
        assert raised.headers["etag"] == 'W/"2"'
        stale = await client.patch(f"{crm_url}/api/v1/crm/customers/{customer['id']}",
                                   json={"credit_limit": "1"},
                                   headers={"If-Match": created.headers["etag"]})
        assert stale.status_code == 412
        await eventually(lambda: credit_limit("80000.0000", None),
                         what="the raised limit and default terms in finance")

        page = await client.get(f"{crm_url}/api/v1/crm/customers", params={"limit": 10})
        assert [c["code"] for c in page.json()["items"]] == ["C-001"]
        assert page.json()["next_cursor"] is None
        denied = await client.get(f"{crm_url}/api/v1/crm/customers",
                                  headers=issuer.headers("finance:read"))
        assert denied.status_code == 403
