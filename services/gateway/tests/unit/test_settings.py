"""The gateway's settings: per-prefix timeouts and body limits (longest prefix
wins), rate-limit tiers, CORS defaults, and the JSON environment variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jxc.gateway.settings import DEV_CORS_ORIGINS, GatewaySettings


def test_longest_prefix_wins_on_whole_segments() -> None:
    settings = GatewaySettings()
    assert settings.timeout_for("/api/v1/inventory/products") == 10.0
    assert settings.timeout_for("/api/v1/reporting/dashboard") == 30.0
    assert settings.timeout_for("/api/v1/reporting") == 30.0
    assert settings.timeout_for("/api/v1/reportingx") == 10.0
    assert settings.timeout_for("/api/v1/inventory/products/import") == 120.0
    assert settings.body_limit_for("/api/v1/inventory/products") == 10 * 1024 * 1024
    assert settings.body_limit_for("/api/v1/inventory/opening-stock/import") == 20 * 1024 * 1024


def test_json_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JXC_GATEWAY_TIMEOUTS", '{"/": 5, "/api/v1/sales/": 7.5}')
    monkeypatch.setenv("JXC_GATEWAY_BODY_LIMITS", '{"/": 2048}')
    monkeypatch.setenv("JXC_RATE_LIMITS", '{"standard": {"per_second": 2, "burst": 4}, '
                                          '"gold": {"per_second": 9, "burst": 9}, '
                                          '"ip": {"per_second": 1, "burst": 1}, '
                                          '"login": {"per_second": 1, "burst": 1}}')
    monkeypatch.setenv("JXC_CORS_ORIGINS", '["https://console.example"]')
    settings = GatewaySettings()
    assert settings.timeout_for("/api/v1/sales/orders") == 7.5
    assert settings.timeout_for("/api/v1/crm") == 5.0
    assert settings.body_limit_for("/anything") == 2048
    assert settings.tier("gold") == "gold"
    assert settings.tier("platinum") == "standard"
    assert settings.tier(None) == "standard"
    assert settings.tier("ip") == "standard"  # not a principal's tier
    assert settings.allowed_origins() == ("https://console.example",)


def test_refuses_tables_without_a_default_and_missing_buckets() -> None:
    with pytest.raises(ValidationError, match="needs a"):
        GatewaySettings(gateway_timeouts={"/api/v1/sales": 5})
    with pytest.raises(ValidationError, match="positive"):
        GatewaySettings(gateway_body_limits={"/": 0})
    with pytest.raises(ValidationError, match="login"):
        GatewaySettings(rate_limits={"standard": {"per_second": 1, "burst": 1},
                                     "ip": {"per_second": 1, "burst": 1}})


def test_cors_defaults_by_environment() -> None:
    assert GatewaySettings(env="dev").allowed_origins() == DEV_CORS_ORIGINS
    assert GatewaySettings(env="prod").allowed_origins() == ()
    assert GatewaySettings(env="test").allowed_origins() == ()
