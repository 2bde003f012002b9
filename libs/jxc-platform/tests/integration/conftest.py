"""The probe service's fixtures shared by the platform's HTTP tests: a token
issuer, a migrated probe database and a handle on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from jxc.platform.db import Database
from jxc.platform.testing import Infrastructure, TokenIssuer

from probe_app import probe_database


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
async def probe_url(infra: Infrastructure) -> str:
    return await probe_database(infra)


@pytest.fixture
async def db(probe_url: str) -> AsyncIterator[Database]:
    database = Database(probe_url)
    yield database
    await database.dispose()
