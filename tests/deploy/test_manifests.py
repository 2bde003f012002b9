"""The deployment files, checked offline: Dockerfile, docker-compose.yml,
Prometheus configuration and the kustomize tree (base, components, overlays)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SERVICES = {"identity": 8101, "inventory": 8102, "procurement": 8103, "sales": 8104,
            "finance": 8105, "crm": 8106, "supplier": 8107, "reporting": 8108}


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def build(directory: Path) -> list[dict[str, Any]]:
    """A small kustomize: resources, components, replicas and configMap merges."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    objects: list[dict[str, Any]] = []
    for entry in [*kustomization.get("resources", []), *kustomization.get("components", [])]:
        target = (directory / entry).resolve()
        assert target.exists(), f"{directory}: {entry} does not exist"
        objects += build(target) if target.is_dir() else load_all(target)
    for replica in kustomization.get("replicas", []):
        matches = [o for o in objects if o["kind"] == "Deployment"
                   and o["metadata"]["name"] == replica["name"]]
        assert matches, f"replicas for unknown {replica['name']}"
        for match in matches:
            match["spec"]["replicas"] = replica["count"]
    for image in kustomization.get("images", []):
        used = [c for o in objects if o["kind"] == "Deployment"
                for c in o["spec"]["template"]["spec"]["containers"] if c["image"].startswith(
                    image["name"])]
        assert used, f"image {image['name']} is used by nothing"
    return objects


def deployments(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}


def test_generated_manifests_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(K8S / "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variant", ["base", "overlays/dev", "overlays/prod"])
def test_every_deployment_is_locked_down_and_probed(variant: str) -> None:
    objects = build(K8S / variant)
    found = deployments(objects)
    expected = {f"{s}-{r}" for s in SERVICES for r in ("api", "worker")} | {"gateway-api"}
    assert set(found) == expected
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    assert set(services) == {f"{s}-api" for s in [*SERVICES, "gateway"]}
    for name, deployment in found.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        service = name.rsplit("-", 1)[0]
        port = SERVICES.get(service, 8000)
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert {"requests", "limits"} <= set(container["resources"]), name
            assert container["image"].endswith(f"jxc-{service}"), name
            env = {e["name"]: e for e in container["env"]}
            assert env["JXC_HTTP_PORT"]["value"] == str(port)
            if service != "gateway":
                secret = env["JXC_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
                assert secret["name"] == f"jxc-{service}"
        main = pod["containers"][0]
        assert main["args"] == [name.rsplit("-", 1)[1]]
        assert main["ports"][0]["containerPort"] == port
        assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
        if name.endswith("-api") and service != "gateway":
            assert pod["initContainers"][0]["args"] == ["migrate"]


def test_prod_runs_two_api_replicas_with_policies_and_autoscaling() -> None:
    objects = build(K8S / "overlays/prod")
    for name, deployment in deployments(objects).items():
        if name.endswith("-api"):
            assert deployment["spec"]["replicas"] >= 2, name
    kinds = {o["kind"] for o in objects}
    assert {"NetworkPolicy", "HorizontalPodAutoscaler"} <= kinds
    targets = {o["spec"]["scaleTargetRef"]["name"] for o in objects
               if o["kind"] == "HorizontalPodAutoscaler"}
    assert targets <= set(deployments(objects))
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    assert config["data"]["JXC_ENV"] == "prod"
    assert config["data"]["JXC_KAFKA_IDEMPOTENT_PRODUCER"] == "true"


def test_compose_runs_every_service_on_its_own_database() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name, port in SERVICES.items():
        for role in ("migrate", "api", "worker"):
            assert f"{name}-{role}" in services, (name, role)
        environment = services[f"{name}-api"]["environment"]
        assert environment["JXC_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
        assert environment["JXC_HTTP_PORT"] == str(port)
        assert services[f"{name}-api"]["command"] == ["api"]
        assert services[f"{name}-worker"]["command"] == ["worker"]
        assert services[f"{name}-migrate"]["command"] == ["migrate"]
        assert services[f"{name}-api"]["read_only"] is True
    published = [n for n, s in services.items() if s.get("ports")]
    assert published == ["gateway"]
    init = (ROOT / "deploy/postgres/init.sql").read_text()
    assert set(re.findall(r"CREATE DATABASE (\w+);", init)) == set(SERVICES)


def test_dockerfile_builds_one_locked_service_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "--package jxc-${SERVICE}" in dockerfile
    assert re.search(r"^USER 10001$", dockerfile, re.MULTILINE)
    assert "JXC_MIGRATIONS_DIR=/app/migrations" in dockerfile


promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                              reason="promtool (Debian prometheus) is not installed")


@promtool
def test_prometheus_config_and_alert_rules_are_valid() -> None:
    for args in (["check", "config", "deploy/prometheus/prometheus.yml"],
                 ["check", "rules", "deploy/prometheus/alerts.yml"]):
        result = subprocess.run(["promtool", *args], cwd=ROOT, capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stdout + result.stderr
