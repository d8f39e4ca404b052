"""deploy/k8s renders with kustomize and validates offline.

Core kinds are checked against the Kubernetes schemas that kubernetes-validate ships, the Strimzi and
CloudNativePG resources against the minimal schemas in tests/deploy/k8s_crd_schemas.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from anju_common.events import TOPICS
from anju_common.topics import EVENT_PARTITIONS, topic_configs

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SERVICES = ["gateway", "jobs", "workers", "matching", "notifications"]
CRD_SCHEMAS = json.loads((Path(__file__).with_name("k8s_crd_schemas.json")).read_text())
Doc = dict[str, Any]


def kustomize_binary() -> str | None:
    """kustomize on PATH or where deploy/local/install.sh puts it."""
    cache = Path(os.environ.get("ANJU_CACHE_DIR", Path.home() / ".cache" / "anju"))
    for candidate in (shutil.which("kustomize"), cache / "bin" / "kustomize"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def load_kustomization(root: Path) -> list[Doc]:
    """What `kustomize build` makes of this kustomization (resources, labels, images), where it is missing."""
    k = yaml.safe_load((root / "kustomization.yaml").read_text())
    unknown = set(k) - {"apiVersion", "kind", "labels", "resources", "images"}
    assert not unknown, f"the loader does not know {unknown}: extend it or install kustomize"
    docs = [d for r in k["resources"] for d in yaml.safe_load_all((root / r).read_text()) if d]
    images = {i["name"]: f"{i.get('newName', i['name'])}:{i['newTag']}" for i in k.get("images", [])}
    for doc in docs:
        for group in k.get("labels", []):
            doc.setdefault("metadata", {}).setdefault("labels", {}).update(group["pairs"])
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            c["image"] = images.get(c["image"], c["image"])
    return docs


def render() -> list[Doc]:
    """The rendered manifests: kustomize when installed, else the loader."""
    binary = kustomize_binary()
    if binary is None:
        return load_kustomization(K8S)
    out = subprocess.run([binary, "build", str(K8S)], check=True, capture_output=True, text=True, timeout=120)
    return [d for d in yaml.safe_load_all(out.stdout) if d]


DOCS = render()


def of(kind: str) -> dict[str, Doc]:
    """Rendered resources of one kind by name."""
    return {d["metadata"]["name"]: d for d in DOCS if d["kind"] == kind}


def test_every_resource_validates_offline() -> None:
    core = 0
    for doc in DOCS:
        key = f"{doc['apiVersion']}/{doc['kind']}"
        if key in CRD_SCHEMAS:
            jsonschema.validate(doc, CRD_SCHEMAS[key])
        else:
            kubernetes_validate.validate(doc, "1.32.0", strict=True)
            core += 1
    assert core >= 20
    assert {d["kind"] for d in DOCS} >= {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database"}


def test_the_schema_check_rejects_a_broken_manifest() -> None:
    deployment = json.loads(json.dumps(of("Deployment")["jobs"]))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.32.0", strict=True)
    topic = json.loads(json.dumps(next(iter(of("KafkaTopic").values()))))
    topic["spec"]["replica"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(topic, CRD_SCHEMAS["kafka.strimzi.io/v1beta2/KafkaTopic"])


def test_the_loader_renders_what_kustomize_renders() -> None:
    if kustomize_binary() is None:
        pytest.skip("kustomize is not installed (deploy/local/install.sh installs it where Go is available)")

    def canon(docs: list[Doc]) -> list[str]:
        return sorted(json.dumps(d, sort_keys=True) for d in docs)

    assert canon(DOCS) == canon(load_kustomization(K8S))


def test_every_service_has_probes_resources_and_a_disruption_budget() -> None:
    deployments, pdbs = of("Deployment"), of("PodDisruptionBudget")
    for name in SERVICES:
        (c,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
        selector = deployments[name]["spec"]["selector"]["matchLabels"]
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == selector


def test_every_service_autoscales_and_matching_no_further_than_its_partitions() -> None:
    hpas = of("HorizontalPodAutoscaler")
    assert set(hpas) == set(SERVICES)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] >= 2
    # More matching replicas than partitions would only hold indexes without proposing.
    assert hpas["matching"]["spec"]["maxReplicas"] <= EVENT_PARTITIONS


def test_kafka_is_three_kraft_nodes_and_every_topic_is_replicated_three_times() -> None:
    (pool,) = of("KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    kafka = of("Kafka")["anju"]
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    assert kafka["spec"]["kafka"]["config"]["default.replication.factor"] == 3
    topics = of("KafkaTopic")
    assert set(topics) == {*TOPICS, *(f"{t}.dlq" for t in TOPICS)}
    for topic in topics.values():
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"] == topic_configs(topic["metadata"]["name"], 2)
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "anju"
    config = of("ConfigMap")["anju-env"]["data"]
    assert config["ANJU_KAFKA_BOOTSTRAP"] == "anju-kafka-bootstrap:9092"


def test_every_service_has_a_database_in_the_postgres_cluster() -> None:
    (cluster,) = of("Cluster").values()
    names = {cluster["spec"]["bootstrap"]["initdb"]["database"]}
    names |= {d["spec"]["name"] for d in of("Database").values() if d["spec"]["cluster"]["name"] == "anju-pg"}
    assert names == {f"anju_{s}" for s in SERVICES}
    assert cluster["spec"]["instances"] >= 3


def test_secrets_are_referenced_never_shipped() -> None:
    assert of("Secret") == {}
    for deployment in of("Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        for c in pod["containers"] + pod.get("initContainers", []):
            for env in c.get("env", []):
                secretish = any(w in env["name"] for w in ("SECRET", "TOKEN", "KEY", "PASS"))
                assert "value" not in env or not secretish, env["name"]
