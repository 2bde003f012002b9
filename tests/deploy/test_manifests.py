"""The deployment files, checked offline with nothing but PyYAML: the Dockerfile,
docker-compose.yml, the Prometheus/OTel configuration and the kustomize tree
(base, components, overlays), which a small resolver below builds the way
``kubectl kustomize`` would for the features we use. promtool, when installed,
checks the scrape config and the alert rules."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
IMAGE = "ghcr.io/jxc-erp/jxc-{service}"
SERVICES = {"identity": 8101, "inventory": 8102, "procurement": 8103, "sales": 8104,
            "finance": 8105, "crm": 8106, "supplier": 8107, "reporting": 8108}
GATEWAY_PORT = 8000
PORTS = {**SERVICES, "gateway": GATEWAY_PORT}
VARIANTS = ["base", "overlays/dev", "overlays/prod"]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}

Obj = dict[str, Any]


def load_all(path: Path) -> list[Obj]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


# --- a small kustomize -------------------------------------------------------------

KNOWN_FIELDS = {"apiVersion", "kind", "namespace", "resources", "components", "patches",
                "patchesStrategicMerge", "replicas", "images", "labels", "commonLabels",
                "configMapGenerator", "generatorOptions"}


def kustomization_file(directory: Path) -> Path:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (directory / name).is_file():
            return directory / name
    raise AssertionError(f"{directory} has no kustomization file")


def referenced(directory: Path, entry: str) -> Path:
    target = (directory / entry).resolve()
    assert target.exists(), f"{directory.relative_to(ROOT)}: {entry} does not exist"
    return target


def strategic_merge(base: Any, patch: Any) -> Any:
    """Maps merge key by key; lists of named maps merge by name; other lists replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        assert "$patch" not in patch, "the test resolver does not support $patch directives"
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = strategic_merge(base[key], value) if key in base else value
        return merged
    if (isinstance(base, list) and isinstance(patch, list)
            and all(isinstance(i, dict) and "name" in i for i in [*base, *patch])):
        merged_list = [dict(i) for i in base]
        for item in patch:
            match = next((i for i, b in enumerate(merged_list) if b["name"] == item["name"]),
                         None)
            if match is None:
                merged_list.append(item)
            else:
                merged_list[match] = strategic_merge(merged_list[match], item)
        return merged_list
    return copy.deepcopy(patch)


def json_patch(document: Obj, operations: list[Obj]) -> None:
    for op in operations:
        *parents, last = [p.replace("~1", "/").replace("~0", "~")
                          for p in op["path"].lstrip("/").split("/")]
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op["op"] == "add":
                node.insert(index, op["value"])
            elif op["op"] == "replace":
                node[index] = op["value"]
            elif op["op"] == "remove":
                del node[index]
            else:
                raise AssertionError(f"unsupported JSON patch op {op['op']}")
        elif op["op"] in ("add", "replace"):
            node[last] = op["value"]
        elif op["op"] == "remove":
            del node[last]
        else:
            raise AssertionError(f"unsupported JSON patch op {op['op']}")


def matches(obj: Obj, target: Obj) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target and not re.fullmatch(target["name"], obj["metadata"]["name"]):
        return False
    labels = obj["metadata"].get("labels", {})
    wanted = dict(p.split("=", 1) for p in target.get("labelSelector", "").split(",") if p)
    return all(labels.get(k) == v for k, v in wanted.items())


def apply_patch(directory: Path, objects: list[Obj], entry: Obj | str) -> None:
    spec = {"path": entry} if isinstance(entry, str) else entry
    text = referenced(directory, spec["path"]).read_text() if "path" in spec else spec["patch"]
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    if "target" in spec and len(documents) == 1 and isinstance(documents[0], list):
        hits = [o for o in objects if matches(o, spec["target"])]
        assert hits, f"patch target {spec['target']} matches nothing"
        for obj in hits:
            json_patch(obj, documents[0])
        return
    for patch in documents:
        hits = [i for i, o in enumerate(objects) if o["kind"] == patch["kind"]
                and o["metadata"]["name"] == patch["metadata"]["name"]]
        if "target" in spec:
            hits = [i for i, o in enumerate(objects) if matches(o, spec["target"])]
        assert hits, f"patch for {patch['kind']}/{patch['metadata']['name']} matches nothing"
        for i in hits:
            objects[i] = strategic_merge(objects[i], patch)


def generated_config_map(directory: Path, spec: Obj) -> dict[str, str]:
    data: dict[str, str] = {}
    for literal in spec.get("literals", []):
        key, value = literal.split("=", 1)
        data[key] = value
    for env_file in spec.get("envs", []):
        for line in referenced(directory, env_file).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, value = line.split("=", 1)
                data[key] = value
    for file in spec.get("files", []):
        key, _, name = file.rpartition("=")
        path = referenced(directory, name)
        data[key or path.name] = path.read_text()
    return data


def set_image(container: Obj, rules: list[Obj]) -> None:
    name = re.split(r"[:@]", container["image"].rsplit("/", 1)[-1])[0]
    repository = container["image"][: container["image"].rfind("/") + 1] + name
    for rule in rules:
        if rule["name"] == repository:
            new = rule.get("newName", repository)
            if "digest" in rule:
                container["image"] = f"{new}@{rule['digest']}"
            else:
                tag = rule.get("newTag", container["image"][len(repository) + 1:] or None)
                container["image"] = f"{new}:{tag}" if tag else new


def pod_containers(obj: Obj) -> list[Obj]:
    if obj["kind"] not in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return []
    pod = obj["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def build(directory: Path) -> list[Obj]:
    """Objects of a kustomization (or component) after its own transformations."""
    kustomization = yaml.safe_load(kustomization_file(directory).read_text())
    unknown = set(kustomization) - KNOWN_FIELDS
    assert not unknown, f"{directory}: the test resolver does not know {sorted(unknown)}"
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        target = referenced(directory, entry)
        objects += build(target) if target.is_dir() else load_all(target)
    return transform(directory, kustomization, objects)


def transform(directory: Path, kustomization: Obj, objects: list[Obj]) -> list[Obj]:
    for entry in kustomization.get("components", []):
        component_dir = referenced(directory, entry)
        component = yaml.safe_load(kustomization_file(component_dir).read_text())
        assert component["kind"] == "Component", f"{entry} is not a kustomize Component"
        for resource in component.get("resources", []):
            target = referenced(component_dir, resource)
            objects += build(target) if target.is_dir() else load_all(target)
        objects = transform(component_dir, {**component, "resources": []}, objects)
    for generator in kustomization.get("configMapGenerator", []):
        data = generated_config_map(directory, generator)
        behavior = generator.get("behavior", "create")
        existing = [o for o in objects if o["kind"] == "ConfigMap"
                    and o["metadata"]["name"] == generator["name"]]
        if behavior == "create":
            assert not existing, f"configMapGenerator creates {generator['name']} twice"
            objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": generator["name"]}, "data": data})
        else:
            assert existing, f"configMapGenerator {behavior}s unknown {generator['name']}"
            for config_map in existing:
                config_map["data"] = (data if behavior == "replace"
                                      else {**config_map.get("data", {}), **data})
    for entry in [*kustomization.get("patchesStrategicMerge", []),
                  *kustomization.get("patches", [])]:
        apply_patch(directory, objects, entry)
    for replica in kustomization.get("replicas", []):
        hits = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")
                and o["metadata"]["name"] == replica["name"]]
        assert hits, f"{directory}: replicas for unknown {replica['name']}"
        for obj in hits:
            obj["spec"]["replicas"] = replica["count"]
    rules = kustomization.get("images", [])
    for rule in rules:
        used = [c for o in objects for c in pod_containers(o)
                if re.split(r"[:@]", c["image"])[0] == rule["name"]
                or c["image"].startswith(rule["name"] + ":")]
        assert used, f"{directory}: image {rule['name']} is used by nothing"
    for obj in objects:
        for container in pod_containers(obj):
            set_image(container, rules)
    labels = [{"pairs": kustomization["commonLabels"], "includeSelectors": True}
              ] if "commonLabels" in kustomization else kustomization.get("labels", [])
    for label in labels:
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
            if label.get("includeSelectors") and obj["kind"] == "Deployment":
                obj["spec"]["selector"]["matchLabels"].update(label["pairs"])
                obj["spec"]["template"]["metadata"]["labels"].update(label["pairs"])
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> tuple[str, list[Obj]]:
    return request.param, build(K8S / request.param)


def by_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


# --- every file --------------------------------------------------------------------


def test_every_yaml_file_parses() -> None:
    files = [*K8S.rglob("*.yaml"), *(ROOT / "deploy").rglob("*.y*ml"),
             ROOT / "docker-compose.yml"]
    assert len(files) > 15
    for path in files:
        assert load_all(path), f"{path} is empty"


def test_generated_manifests_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(K8S / "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_services_are_packaged_as_the_image_expects() -> None:
    for service in PORTS:
        project = tomllib.loads((ROOT / f"services/{service}/pyproject.toml").read_text())
        assert project["project"]["name"] == f"jxc-{service}"
        # deploy/Dockerfile's entrypoint is this console script
        assert project["project"]["scripts"][f"jxc-{service}"] == f"jxc.{service}.__main__:main"
        has_migrations = (ROOT / f"services/{service}/migrations/env.py").is_file()
        assert has_migrations == (service != "gateway"), service


# --- kustomize ---------------------------------------------------------------------


def test_every_service_has_its_deployments_and_service(variant: tuple[str, list[Obj]]) -> None:
    name, objects = variant
    deployments = by_kind(objects, "Deployment")
    expected = {f"{s}-{r}" for s in SERVICES for r in ("api", "worker")} | {"gateway-api"}
    assert set(deployments) == expected, name
    services = by_kind(objects, "Service")
    assert set(services) == set(PORTS), name
    for service, port in PORTS.items():
        spec = services[service]["spec"]
        api = deployments[f"{service}-api"]
        assert spec["selector"].items() <= api["spec"]["template"]["metadata"]["labels"].items()
        worker = deployments.get(f"{service}-worker")
        if worker:  # the Service must not send requests to workers
            assert not spec["selector"].items() <= worker["spec"]["template"]["metadata"][
                "labels"].items()
        assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(port, "http")]
    assert {o["metadata"].get("namespace") for o in objects
            if o["kind"] not in CLUSTER_SCOPED} == {"jxc"}
    assert "Secret" not in {o["kind"] for o in objects}, "secrets are referenced, not shipped"


def test_every_deployment_is_probed_limited_and_locked_down(
        variant: tuple[str, list[Obj]]) -> None:
    name, objects = variant
    config_maps = by_kind(objects, "ConfigMap")
    for deployment_name, deployment in by_kind(objects, "Deployment").items():
        service, role = deployment_name.rsplit("-", 1)
        where = f"{name}: {deployment_name}"
        assert deployment["spec"]["selector"]["matchLabels"].items() <= deployment["spec"][
            "template"]["metadata"]["labels"].items(), where
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod.get("automountServiceAccountToken") is False, where
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"], where
        main = pod["containers"][0]
        assert main["args"] == [role], where
        ports = {p["name"]: p["containerPort"] for p in main["ports"]}
        assert ports == {"http": PORTS[service]}, where
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = main[probe]["httpGet"]
            assert get["path"] == path, (where, probe)
            assert ports.get(get["port"], get["port"]) == PORTS[service], (where, probe)
        init = pod.get("initContainers", [])
        if service == "gateway":
            assert not init, where
        else:
            assert [(c["name"], c["args"]) for c in init] == [("migrate", ["migrate"])], where
        for container in [*init, *pod["containers"]]:
            cwhere = f"{where}/{container['name']}"
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), (cwhere, kind)
            security = container["securityContext"]
            assert security.get("runAsNonRoot", True) is True, cwhere
            assert security["readOnlyRootFilesystem"] is True, cwhere
            assert security["allowPrivilegeEscalation"] is False, cwhere
            assert security["capabilities"]["drop"] == ["ALL"], cwhere
            assert security.get("privileged", False) is False, cwhere
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], cwhere
            image = container["image"]
            assert re.split(r"[:@]", image)[0] == IMAGE.format(service=service), cwhere
            for source in container["envFrom"]:
                assert source["configMapRef"]["name"] in config_maps, cwhere
            env = {e["name"]: e for e in container["env"]}
            assert env["JXC_HTTP_PORT"] == {"name": "JXC_HTTP_PORT",
                                            "value": str(PORTS[service])}, cwhere
            secrets = {"JXC_DATABASE_URL": "database-url"} if service != "gateway" else {}
            if service == "identity":
                secrets["JXC_ADMIN_PASSWORD"] = "admin-password"
            for variable, key in secrets.items():
                assert env[variable]["valueFrom"]["secretKeyRef"] == {
                    "name": f"jxc-{service}", "key": key}, cwhere
            for variable in env:  # no secret value written into a manifest
                if re.search("PASSWORD|SECRET|DATABASE_URL|TOKEN", variable):
                    assert "value" not in env[variable], (cwhere, variable)


def test_gateway_reaches_every_service_by_its_service_name(
        variant: tuple[str, list[Obj]]) -> None:
    _, objects = variant
    gateway = by_kind(objects, "Deployment")["gateway-api"]["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in gateway["containers"][0]["env"]}
    assert json.loads(env["JXC_UPSTREAMS"]) == {
        s: f"http://{s}:{p}" for s, p in SERVICES.items()}
    assert set(json.loads(env["JXC_UPSTREAMS"])) <= set(by_kind(objects, "Service"))


def test_config_map_matches_compose_environment(variant: tuple[str, list[Obj]]) -> None:
    name, objects = variant
    data = by_kind(objects, "ConfigMap")["jxc-config"]["data"]
    compose_env = compose()["x-env"]
    assert set(data) == set(compose_env), name
    assert data["JXC_JWKS_URL"] == "http://identity:8101/.well-known/jwks.json"
    assert data["JXC_KAFKA_IDEMPOTENT_PRODUCER"] == "true"  # Apache Kafka everywhere
    assert data["JXC_HTTP_HOST"] == "0.0.0.0"
    if name == "overlays/dev":
        assert data["JXC_ENV"] == "dev"
    else:
        assert data == compose_env


def test_overlays_pin_image_tags() -> None:
    for name, tag in (("overlays/dev", "dev"), ("overlays/prod", r"\d+\.\d+\.\d+")):
        for deployment in by_kind(build(K8S / name), "Deployment").values():
            for container in pod_containers(deployment):
                assert re.fullmatch(r"[^:@]+:" + tag, container["image"]), (name, container)
        rules = yaml.safe_load((K8S / name / "kustomization.yaml").read_text())["images"]
        assert {r["name"] for r in rules} == {IMAGE.format(service=s) for s in PORTS}


def test_prod_runs_replicas_with_policies_and_autoscaling() -> None:
    objects = build(K8S / "overlays/prod")
    deployments = by_kind(objects, "Deployment")
    for name, deployment in deployments.items():
        if name.endswith("-api"):
            assert deployment["spec"]["replicas"] >= 2, name
    autoscalers = by_kind(objects, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in autoscalers.values()} == {
        f"{s}-api" for s in PORTS}
    for hpa in autoscalers.values():
        target = deployments[hpa["spec"]["scaleTargetRef"]["name"]]
        assert hpa["spec"]["minReplicas"] <= target["spec"]["replicas"] <= hpa["spec"][
            "maxReplicas"]
    policies = by_kind(objects, "NetworkPolicy")
    assert policies["default-deny-ingress"]["spec"] == {"podSelector": {},
                                                        "policyTypes": ["Ingress"]}
    open_to_all = [p for p in policies.values()
                   if any("from" not in rule for rule in p["spec"].get("ingress", []))]
    assert [p["spec"]["podSelector"] for p in open_to_all] == [
        {"matchLabels": {"app.kubernetes.io/name": "gateway"}}]


def test_base_and_dev_do_not_include_the_prod_components() -> None:
    for name in ("base", "overlays/dev"):
        kinds = {o["kind"] for o in build(K8S / name)}
        assert not kinds & {"HorizontalPodAutoscaler", "NetworkPolicy"}, name


# --- docker compose ----------------------------------------------------------------


def compose() -> Obj:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_service_in_three_roles() -> None:
    services = compose()["services"]
    jxc = {n for n, s in services.items() if "build" in s}
    assert jxc == {f"{s}-{r}" for s in SERVICES for r in ("migrate", "api", "worker")} | {
        "gateway"}
    for name in jxc:
        service = name.rsplit("-", 1)[0] if name != "gateway" else "gateway"
        role = name.rsplit("-", 1)[1] if name != "gateway" else "api"
        definition = services[name]
        assert definition["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile",
                                       "args": {"SERVICE": service}}, name
        assert definition["image"] == IMAGE.format(service=service) + ":${JXC_TAG:-dev}"
        assert definition["command"] == [role], name
        assert definition["read_only"] is True, name
        assert definition["cap_drop"] == ["ALL"], name
        env = definition["environment"]
        assert env["JXC_HTTP_PORT"] == str(PORTS[service]), name
        assert env["JXC_KAFKA_IDEMPOTENT_PRODUCER"] == "true", name
        assert env["JXC_HTTP_HOST"] == "0.0.0.0", name
        if service != "gateway":
            url = env["JXC_DATABASE_URL"]
            assert re.fullmatch(r"postgresql\+asyncpg://jxc:\$\{JXC_DB_PASSWORD\}@postgres:5432/"
                                + service, url), (name, url)
        assert ("JXC_ADMIN_PASSWORD" in env) == (service == "identity"), name


def test_compose_starts_in_order() -> None:
    services = compose()["services"]
    healthy = {"condition": "service_healthy"}
    for service in SERVICES:
        assert services[f"{service}-migrate"]["depends_on"] == {"postgres": healthy}
        assert services[f"{service}-migrate"]["restart"] == "no"
        for role in ("api", "worker"):
            depends = services[f"{service}-{role}"]["depends_on"]
            assert depends == {"postgres": healthy, "kafka": healthy, "redis": healthy,
                               f"{service}-migrate": {
                                   "condition": "service_completed_successfully"}}
            assert "healthcheck" in services[f"{service}-{role}"]
    assert services["gateway"]["depends_on"] == {f"{s}-api": healthy for s in SERVICES}
    for infra in ("postgres", "kafka", "redis"):
        assert "healthcheck" in services[infra], infra


def test_compose_publishes_only_the_gateway_and_uses_service_names() -> None:
    services = compose()["services"]
    assert [n for n, s in services.items() if s.get("ports")] == ["gateway"]
    assert services["gateway"]["ports"] == ["8000:8000"]
    for service in SERVICES:
        assert services[f"{service}-api"]["networks"] == {"default": {"aliases": [service]}}
    upstreams = json.loads(services["gateway"]["environment"]["JXC_UPSTREAMS"])
    assert upstreams == {s: f"http://{s}:{p}" for s, p in SERVICES.items()}


def test_compose_infrastructure() -> None:
    document = compose()
    services = document["services"]
    assert services["postgres"]["image"] == "postgres:17"
    assert services["redis"]["image"] == "redis:7"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    kafka = services["kafka"]["environment"]
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft
    assert not any("zookeeper" in name for name in services)
    assert {"otel-collector", "prometheus"} <= set(services)
    for definition in services.values():
        for volume in definition.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), source
    init = (ROOT / "deploy/postgres/init.sql").read_text()
    assert re.findall(r"CREATE DATABASE (\w+);", init) == list(SERVICES)


# --- image ---------------------------------------------------------------------------


def test_dockerfile_builds_one_locked_service_and_runs_unprivileged() -> None:
    text = (ROOT / "deploy/Dockerfile").read_text()
    instructions = [line for line in re.sub(r"\\\n", " ", text).splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    stages = [i for i, line in enumerate(instructions) if line.startswith("FROM ")]
    assert len(stages) >= 2, "multi-stage"
    build_stage, runtime = instructions[: stages[-1]], instructions[stages[-1]:]
    assert "ARG SERVICE" in build_stage and "ARG SERVICE" in runtime
    sync = next(line for line in build_stage if "uv sync" in line)
    for flag in ("--frozen", "--no-dev", "--no-editable"):
        assert flag in sync
    assert re.search(r'--package "?jxc-\$\{SERVICE\}"?', sync)
    assert re.fullmatch(r"FROM python:\$\{PYTHON_VERSION\}-slim", runtime[0])
    assert re.search(r"^ARG PYTHON_VERSION=3\.11$", text, re.MULTILINE)
    assert any(re.search(r"useradd .*--uid 10001", line) for line in runtime)
    users = [line for line in runtime if line.startswith("USER ")]
    assert users == ["USER 10001"]
    after_user = runtime[runtime.index("USER 10001"):]
    assert not any(line.startswith(("RUN", "COPY", "ADD")) for line in after_user)
    for line in runtime:  # no compilers or package managers in the runtime stage
        assert not re.search(r"apt-get|apk |gcc|build-essential|pip install|uv ", line), line
    entrypoint = json.loads(next(line for line in runtime if line.startswith("ENTRYPOINT"))
                            .removeprefix("ENTRYPOINT"))
    assert entrypoint == ["/app/.venv/bin/jxc-service"]  # exec form, no shell
    assert 'ln -s "jxc-${SERVICE}" /app/.venv/bin/jxc-service' in text
    assert json.loads(runtime[-1].removeprefix("CMD")) == ["api"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".jxc", "**/__pycache__", ".mypy_cache"} <= set(ignored)


# --- observability -----------------------------------------------------------------


def test_prometheus_scrapes_every_process_of_compose() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "jxc")
    assert job["metrics_path"] == "/metrics"
    targets = {t: c["labels"]["role"] for c in job["static_configs"] for t in c["targets"]}
    expected = {f"{s}-{r}:{p}": r for s, p in SERVICES.items() for r in ("api", "worker")}
    assert targets == {**expected, f"gateway:{GATEWAY_PORT}": "api"}
    services = compose()["services"]
    assert {t.split(":")[0] for t in targets} <= set(services)
    assert config["rule_files"] == ["alerts.yml"]


def test_alert_rules_cover_the_platform_metrics() -> None:
    rules = {r["alert"]: r for g in load_all(ROOT / "deploy/prometheus/alerts.yml")[0]["groups"]
             for r in g["rules"]}
    expressions = " ".join(r["expr"] for r in rules.values())
    for needle in ("up{job=\"jxc\"} == 0", "jxc_outbox_backlog) > 1000", "jxc_consumer_lag",
                   'jxc_http_requests_total{status=~"5.."}'):
        assert needle in expressions, needle
    assert rules["JxcOutboxBacklog"]["for"] == "10m"
    for rule in rules.values():
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_otel_collector_receives_otlp_http() -> None:
    config = yaml.safe_load((ROOT / "deploy/otel-collector.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    for pipeline in config["service"]["pipelines"].values():
        assert set(pipeline["receivers"]) <= set(config["receivers"])
        assert set(pipeline.get("processors", [])) <= set(config["processors"])
        assert set(pipeline["exporters"]) <= set(config["exporters"])
    assert compose()["x-env"]["JXC_OTLP_ENDPOINT"] == "http://otel-collector:4318"


needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool missing: install Debian package `prometheus` (`make promtool`)")


def promtool(*args: str) -> None:
    result = subprocess.run(["promtool", *args], cwd=ROOT, capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_accepts_the_scrape_config() -> None:
    promtool("check", "config", "deploy/prometheus/prometheus.yml")


@needs_promtool
def test_promtool_accepts_the_alert_rules() -> None:
    promtool("check", "rules", "deploy/prometheus/alerts.yml")
