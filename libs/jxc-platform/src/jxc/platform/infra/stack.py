"""The whole system on one machine, no Docker (DESIGN.md §9).

``python -m jxc.platform.infra.stack`` (what ``make dev`` runs) starts the
embedded PostgreSQL with one database per service, Redis, the tansu broker,
migrates every service, starts each service (both roles in one process) and
the gateway on 127.0.0.1, prints where to go, and stops everything on Ctrl-C.
Data stays in ``.jxc/``. The e2e tests drive the same class.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from jxc.platform.infra.broker import EmbeddedBroker
from jxc.platform.infra.ports import PortInUseError, require_free_port
from jxc.platform.infra.postgres import EmbeddedPostgres
from jxc.platform.infra.process import ManagedProcess
from jxc.platform.infra.redis import EmbeddedRedis

SERVICES: dict[str, int] = {
    "identity": 8101, "inventory": 8102, "procurement": 8103, "sales": 8104,
    "finance": 8105, "crm": 8106, "supplier": 8107, "reporting": 8108,
}


@dataclass
class StackPorts:
    gateway: int = 8000
    broker: int = 9092
    redis: int = 6379
    postgres: int = 5432
    services: dict[str, int] = field(default_factory=lambda: dict(SERVICES))

    @classmethod
    def from_env(cls) -> StackPorts:
        env = os.environ
        return cls(
            gateway=int(env.get("JXC_GATEWAY_PORT", 8000)),
            broker=int(env.get("JXC_BROKER_PORT", 9092)),
            redis=int(env.get("JXC_REDIS_PORT", 6379)),
            postgres=int(env.get("JXC_POSTGRES_PORT", 5432)),
            services={name: int(env.get(f"JXC_{name.upper()}_PORT", port))
                      for name, port in SERVICES.items()},
        )


class LocalStack:
    def __init__(self, root: Path, ports: StackPorts | None = None,
                 extra_env: dict[str, str] | None = None):
        self.root = root.resolve()
        self.ports = ports or StackPorts()
        self.extra_env = extra_env or {}
        self.logs = self.root / "logs"
        self.postgres = EmbeddedPostgres(self.root / "pg", self.ports.postgres)
        self.redis = EmbeddedRedis(self.ports.redis, self.root / "redis")
        self.broker = EmbeddedBroker(self.ports.broker, self.logs / "broker.log")
        self.processes: dict[str, ManagedProcess] = {}
        self._servers: list[EmbeddedPostgres | EmbeddedRedis | EmbeddedBroker] = []

    # -- addresses ------------------------------------------------------------
    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports.services[name]}"

    def service_env(self, name: str) -> dict[str, str]:
        env = {
            "JXC_ENV": "dev",
            "JXC_HTTP_HOST": "127.0.0.1",
            "JXC_KAFKA_BOOTSTRAP": self.broker.bootstrap,
            "JXC_REDIS_URL": self.redis.url,
            "JXC_JWKS_URL": f"{self.service_url('identity')}/.well-known/jwks.json",
            "PYTHONUNBUFFERED": "1",
        }
        if name == "gateway":
            env["JXC_HTTP_PORT"] = str(self.ports.gateway)
            env["JXC_UPSTREAMS"] = json.dumps({s: self.service_url(s) for s in SERVICES})
        else:
            env["JXC_HTTP_PORT"] = str(self.ports.services[name])
            env["JXC_DATABASE_URL"] = self.postgres.url(name)
        return {**env, **self.extra_env}

    # -- life cycle -----------------------------------------------------------
    def check_ports(self) -> None:
        """Fail before starting anything if a port is taken, naming it."""
        wanted = [("the gateway", self.ports.gateway), ("the Kafka broker", self.ports.broker),
                  ("Redis", self.ports.redis)]
        wanted += [(f"the {name} service", port) for name, port in self.ports.services.items()]
        for what, port in wanted:
            require_free_port(port, what)

    def start(self, progress: bool = False) -> None:
        say = _printer(progress)
        self.check_ports()
        say("starting PostgreSQL, Redis and the Kafka broker")
        for server in (self.postgres, self.redis, self.broker):
            server.start()
            self._servers.append(server)
        for name in SERVICES:
            self.postgres.ensure_database(name)
        say("migrating every service's database")
        self.migrate()
        for name in SERVICES:
            self._spawn(name, "all")
        self._spawn("gateway", "api")
        say("waiting for the services to become ready")
        self.wait_ready(progress=say)

    def migrate(self) -> None:
        def one(name: str) -> None:
            result = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", f"jxc.{name}", "migrate"], capture_output=True, text=True,
                env={**os.environ, **self.service_env(name)}, check=False)
            if result.returncode != 0:
                raise RuntimeError(f"migrating {name} failed:\n{result.stderr[-3000:]}")
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(one, SERVICES))

    def _spawn(self, name: str, role: str) -> None:
        process = ManagedProcess(name, [sys.executable, "-m", f"jxc.{name}", role],
                                 self.logs / f"{name}.log", self.service_env(name))
        process.start()
        self.processes[name] = process

    def wait_ready(self, timeout: float = 180.0, progress: object = None) -> None:
        pending = {name: f"{self.service_url(name)}/readyz" for name in SERVICES}
        pending["gateway"] = f"{self.gateway_url}/readyz"
        deadline = time.monotonic() + timeout
        while pending:
            for name, url in list(pending.items()):
                process = self.processes.get(name)
                if process is not None and not process.running:
                    raise RuntimeError(f"{name} exited; see {process.log_path}")
                if _ok(url):
                    del pending[name]
                    if callable(progress):
                        progress(f"  {name} ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(pending)}; "
                                   f"logs in {self.logs}")
            time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes.values():
            process.signal(signal.SIGTERM)
        for process in self.processes.values():
            process.stop(timeout=15)
        self.processes.clear()
        while self._servers:
            server = self._servers.pop()
            try:
                server.stop()
            except Exception as exc:
                print(f"stopping {type(server).__name__}: {exc}", file=sys.stderr)


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _printer(enabled: bool):  # type: ignore[no-untyped-def]
    def say(text: str) -> None:
        if enabled:
            print(text, flush=True)
    return say


def main() -> None:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__)
    parser.add_argument("--root", default=os.environ.get("JXC_HOME", ".jxc"),
                        help="where data and logs live (default .jxc)")
    args = parser.parse_args()
    stack = LocalStack(Path(args.root), StackPorts.from_env())
    stopping = False

    def interrupt(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored
    try:
        stack.start(progress=True)
        password = os.environ.get("JXC_ADMIN_PASSWORD", "admin")
        print(f"\nJXC is running at {stack.gateway_url}  (API docs: {stack.gateway_url}/docs)\n"
              f"Log in as admin / {password}. Data and logs: {stack.root}\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.running for p in stack.processes.values()):
            time.sleep(1)
        dead = [n for n, p in stack.processes.items() if not p.running]
        print(f"{', '.join(dead)} stopped unexpectedly; see {stack.logs}", file=sys.stderr)
    except PortInUseError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stack.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    main()
