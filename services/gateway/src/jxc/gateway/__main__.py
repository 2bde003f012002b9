"""``python -m jxc.gateway [api|all]``: the gateway has one role."""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m jxc.gateway")
    parser.add_argument("role", choices=("api", "all"), nargs="?", default="api")
    parser.parse_args()
    settings = GatewaySettings()
    config = uvicorn.Config(create_gateway(settings), host=settings.http_host,
                            port=settings.http_port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=10, server_header=False,
                            proxy_headers=True,
                            forwarded_allow_ips=settings.forwarded_allow_ips)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
