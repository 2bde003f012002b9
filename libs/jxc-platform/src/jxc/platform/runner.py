"""Command line of every service: ``python -m jxc.<service> api|worker|all|migrate``."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable

import uvicorn

from jxc.platform.app import ServiceSpec, create_app
from jxc.platform.db import upgrade_to_head
from jxc.platform.observability import configure_logging

ROLES = ("api", "worker", "all", "migrate")


def run(build: Callable[[], ServiceSpec]) -> None:
    spec = build()
    settings = spec.settings
    parser = argparse.ArgumentParser(prog=f"python -m jxc.{settings.service_name}")
    parser.add_argument("role", choices=ROLES, nargs="?", default="all")
    args = parser.parse_args()
    configure_logging(settings.service_name, settings.log_level)
    if args.role == "migrate":
        scripts = spec.migrations()
        if scripts is not None:
            upgrade_to_head(scripts, settings.database_url)
        logging.getLogger("jxc").info("%s migrated to head", settings.service_name)
        return
    app = create_app(spec, args.role)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                            log_config=None, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=10)
    asyncio.run(uvicorn.Server(config).serve())
