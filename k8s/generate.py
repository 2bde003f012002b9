"""Writes the kustomize tree under k8s/ from one table of services.

    python k8s/generate.py        # rewrite the manifests
    python k8s/generate.py --check  # fail if they are out of date (CI)

Migrations run in an init container of each api Deployment: every replica
runs `migrate` before serving, and Alembic's run holds a PostgreSQL advisory
lock, so replicas starting together migrate one after another and the rest
find the schema at head. (A Job would have to be deleted and re-created on
every release, since Jobs are immutable.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent
IMAGE = "ghcr.io/jxc-erp/jxc-{service}"
SERVICES = {"identity": 8101, "inventory": 8102, "procurement": 8103, "sales": 8104,
            "finance": 8105, "crm": 8106, "supplier": 8107, "reporting": 8108}
GATEWAY_PORT = 8000
SHARED_ENV = {
    "JXC_ENV": "prod",
    "JXC_HTTP_HOST": "0.0.0.0",  # noqa: S104 - inside the pod; the Service fronts it
    "JXC_KAFKA_BOOTSTRAP": "kafka:9092",
    "JXC_KAFKA_IDEMPOTENT_PRODUCER": "true",
    "JXC_REDIS_URL": "redis://redis:6379/0",
    "JXC_JWKS_URL": "http://identity-api:8101/.well-known/jwks.json",
    "JXC_OTLP_ENDPOINT": "http://otel-collector:4318",
    "JXC_LOG_LEVEL": "INFO",
    "JXC_MIGRATIONS_DIR": "/app/migrations",
}
LABELS = {"app.kubernetes.io/part-of": "jxc"}


def container_security() -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": 10001, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}


def env_for(service: str, port: int) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [{"name": "JXC_HTTP_PORT", "value": str(port)}]
    if service != "gateway":
        env.append({"name": "JXC_DATABASE_URL", "valueFrom": {"secretKeyRef": {
            "name": f"jxc-{service}", "key": "database-url"}}})
    if service == "identity":
        env.append({"name": "JXC_ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {
            "name": "jxc-identity", "key": "admin-password"}}})
    if service == "gateway":
        upstreams = ",".join(f'"{s}":"http://{s}-api:{p}"' for s, p in SERVICES.items())
        env.append({"name": "JXC_UPSTREAMS", "value": "{" + upstreams + "}"})
    return env


def container(service: str, role: str, port: int, cpu: str, memory: str) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10,
             "timeoutSeconds": 3, "failureThreshold": 3}
    return {
        "name": role,
        "image": IMAGE.format(service=service),
        "args": [role],
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": "jxc-config"}}],
        "env": env_for(service, port),
        "startupProbe": {**probe, "failureThreshold": 30, "periodSeconds": 2},
        "livenessProbe": probe,
        "readinessProbe": {**probe, "httpGet": {"path": "/readyz", "port": "http"},
                           "periodSeconds": 5},
        "resources": {"requests": {"cpu": cpu, "memory": memory},
                      "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - an emptyDir
    }


def deployment(service: str, role: str, port: int) -> dict[str, Any]:
    name = f"{service}-{role}"
    labels = {**LABELS, "app.kubernetes.io/name": service, "app.kubernetes.io/component": role}
    spec: dict[str, Any] = {
        "serviceAccountName": "jxc",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "fsGroup": 10001},
        "terminationGracePeriodSeconds": 30,
        "containers": [container(service, role, port, "100m", "192Mi")],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if role == "api" and service != "gateway":
        migrate = container(service, "migrate", port, "50m", "128Mi")
        for key in ("ports", "startupProbe", "livenessProbe", "readinessProbe"):
            migrate.pop(key)
        spec["initContainers"] = [migrate]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {
            "app.kubernetes.io/name": service, "app.kubernetes.io/component": role}},
            "template": {"metadata": {"labels": labels}, "spec": spec}},
    }


def service_object(service: str, port: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"{service}-api", "labels": {**LABELS,
                                                               "app.kubernetes.io/name": service}},
            "spec": {"selector": {"app.kubernetes.io/name": service,
                                  "app.kubernetes.io/component": "api"},
                     "ports": [{"name": "http", "port": port, "targetPort": "http"}]}}


def hpa(service: str) -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": f"{service}-api"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": f"{service}-api"},
                     "minReplicas": 2, "maxReplicas": 10,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization",
                                                   "averageUtilization": 70}}}]}}


def network_policies() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "default-deny-ingress"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "gateway-from-anywhere"},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}},
                  "ingress": [{"ports": [{"port": GATEWAY_PORT}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "services-from-jxc"},
         "spec": {"podSelector": {"matchLabels": LABELS},
                  "ingress": [{"from": [{"podSelector": {"matchLabels": LABELS}}]}]}},
    ]


def tree() -> dict[str, list[dict[str, Any]] | dict[str, Any]]:
    files: dict[str, list[dict[str, Any]] | dict[str, Any]] = {}
    resources = ["namespace.yaml", "serviceaccount.yaml", "config.yaml"]
    files["base/namespace.yaml"] = {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": "jxc"}}
    files["base/serviceaccount.yaml"] = {"apiVersion": "v1", "kind": "ServiceAccount",
                                         "metadata": {"name": "jxc"},
                                         "automountServiceAccountToken": False}
    files["base/config.yaml"] = {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "jxc-config"}, "data": SHARED_ENV}
    for service, port in SERVICES.items():
        files[f"base/{service}.yaml"] = [deployment(service, "api", port),
                                         deployment(service, "worker", port),
                                         service_object(service, port)]
        resources.append(f"{service}.yaml")
    files["base/gateway.yaml"] = [deployment("gateway", "api", GATEWAY_PORT),
                                  service_object("gateway", GATEWAY_PORT)]
    resources.append("gateway.yaml")
    files["base/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": "jxc", "labels": [{"pairs": LABELS, "includeSelectors": False}],
        "resources": resources}

    files["components/hpa/hpa.yaml"] = [hpa(s) for s in [*SERVICES, "gateway"]]
    files["components/hpa/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "resources": ["hpa.yaml"]}
    files["components/network-policies/policies.yaml"] = network_policies()
    files["components/network-policies/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "resources": ["policies.yaml"]}

    images = [{"name": IMAGE.format(service=s), "newTag": "{tag}"}
              for s in [*SERVICES, "gateway"]]
    files["overlays/dev/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../../base"],
        "configMapGenerator": [{"name": "jxc-config", "behavior": "merge",
                                "literals": ["JXC_ENV=dev", "JXC_LOG_LEVEL=DEBUG",
                                             "JXC_KAFKA_IDEMPOTENT_PRODUCER=false"]}],
        "images": [{**i, "newTag": "dev"} for i in images]}
    api_names = [f"{s}-api" for s in [*SERVICES, "gateway"]]
    files["overlays/prod/kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../../base"],
        "components": ["../../components/network-policies", "../../components/hpa"],
        "replicas": [{"name": name, "count": 2} for name in api_names],
        "images": [{**i, "newTag": "0.1.0"} for i in images]}
    return files


def render(documents: list[dict[str, Any]] | dict[str, Any]) -> str:
    docs = documents if isinstance(documents, list) else [documents]
    header = "# Generated by k8s/generate.py; edit that file, not this one.\n"
    return header + "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if files are stale")
    args = parser.parse_args()
    stale = []
    for relative, documents in tree().items():
        path = ROOT / relative
        text = render(documents)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if stale:
        sys.exit(f"out of date (run python k8s/generate.py): {', '.join(stale)}")


if __name__ == "__main__":
    main()
