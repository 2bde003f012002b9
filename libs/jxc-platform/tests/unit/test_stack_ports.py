import socket
from pathlib import Path

import pytest

from jxc.platform.infra import PortInUseError, free_port
from jxc.platform.infra.stack import SERVICES, LocalStack, StackPorts


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    ports = StackPorts(gateway=free_port(), broker=free_port(), redis=free_port(),
                       postgres=free_port(), services={n: free_port() for n in SERVICES})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.services["sales"]))
        taken.listen()
        with pytest.raises(PortInUseError, match=f"{ports.services['sales']} for the sales"):
            LocalStack(tmp_path, ports).check_ports()
    assert not (tmp_path / "pg").exists()


def test_ports_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JXC_GATEWAY_PORT", "18000")
    monkeypatch.setenv("JXC_SALES_PORT", "18104")
    ports = StackPorts.from_env()
    assert ports.gateway == 18000
    assert ports.services["sales"] == 18104
    assert ports.services["inventory"] == 8102
