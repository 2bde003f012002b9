from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.settings import ServiceSettings


class Database:
    """One async engine per service process; a session per request or message."""

    def __init__(self, url: str, *, pool_size: int = 10, connect_timeout: float = 2.0,
                 pool_timeout: float = 10.0, echo: bool = False):
        self.url = make_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_timeout=pool_timeout,
            connect_args={"timeout": connect_timeout, "command_timeout": 30},
            echo=echo,
        )
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession,
                                           expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Database:
        return cls(settings.database_url, pool_size=settings.database_pool_size,
                   connect_timeout=settings.database_connect_timeout_seconds,
                   pool_timeout=settings.database_pool_timeout_seconds)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed by the caller."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def asyncpg_dsn(self) -> str:
        """The URL for a raw asyncpg connection (LISTEN needs one of its own)."""
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def dispose(self) -> None:
        await self.engine.dispose()
