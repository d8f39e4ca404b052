"""make up with ANJU_MATCHING_REPLICAS: the gateway is told every replica's URL, one port each."""

from __future__ import annotations

import os
import subprocess

import pytest
from anju_common.testing import REPO_ROOT


def _matching_url(**env: str) -> str:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "MATCHING_", "ANJU_MATCHING"))
    }
    show = f'set -eu; . "{REPO_ROOT}/deploy/local/env.sh"; echo "$GATEWAY_MATCHING_URL"'
    done = subprocess.run(
        ["bash", "-c", show], env={**clean, **env}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8003"),
        (
            {"ANJU_MATCHING_REPLICAS": "3"},
            "http://127.0.0.1:8003,http://127.0.0.1:8013,http://127.0.0.1:8023",
        ),
        (
            {"ANJU_MATCHING_REPLICAS": "2", "MATCHING_PORT": "9003"},
            "http://127.0.0.1:9003,http://127.0.0.1:9013",
        ),
        ({"ANJU_MATCHING_REPLICAS": "3", "GATEWAY_MATCHING_URL": "http://m:1"}, "http://m:1"),
    ],
)
def test_env_lists_every_matching_replica_unless_told_otherwise(env: dict[str, str], expected: str) -> None:
    assert _matching_url(**env) == expected
