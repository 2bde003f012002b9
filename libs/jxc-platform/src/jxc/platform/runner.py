"""Command line of every service: ``python -m jxc.<service> api|worker|all|migrate``."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from jxc.platform.db import upgrade_to_head
from jxc.platform.observability import configure_logging
from jxc.platform.settings import ServiceSettings

ROLES = ("api", "worker", "all", "migrate")


def run(service: str, settings_factory: Callable[[], ServiceSettings],
        app_factory: Callable[[ServiceSettings, str], FastAPI],
        migrations_dir: Path | None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m jxc.{service}")
    parser.add_argument("role", choices=ROLES, nargs="?", default="all")
    args = parser.parse_args()
    settings = settings_factory()
    configure_logging(service, settings.log_level)
    if args.role == "migrate":
        if migrations_dir is not None:
            upgrade_to_head(migrations_dir, settings.database_url)
        logging.getLogger("jxc").info("%s migrated to head", service)
        return
    app = app_factory(settings, args.role)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                            log_config=None, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=10)
    asyncio.run(uvicorn.Server(config).serve())
