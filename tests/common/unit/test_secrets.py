"""Secrets: make up generates them once (0600, random, reused), and nothing starts on public defaults."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from anju_common.crypto import DEV_HASH_KEY, DEV_KEYS, FieldCipher
from anju_common.settings import (
    DEV_CURSOR_SECRET,
    DEV_INTERNAL_SECRET,
    DEV_SERVICE_TOKEN,
    InsecureSettingsError,
    ServiceSettings,
)
from anju_common.testing import REPO_ROOT

SCRIPT = REPO_ROOT / "deploy" / "local" / "secrets.sh"
NAMES = {
    "GATEWAY_JWT_SECRET",
    "GATEWAY_API_KEY_PEPPER",
    "ANJU_INTERNAL_TOKEN_SECRET",
    "ANJU_SERVICE_TOKEN",
    "NOTIFICATIONS_CALLBACK_TOKEN",
    "ANJU_PII_KEYS",
    "ANJU_PII_HASH_KEY",
    "ANJU_CURSOR_SECRET",
}

# Compared exactly: a random base64url string may contain "dev" by chance (CI once drew one).
PUBLIC_DEFAULTS = {DEV_KEYS, DEV_HASH_KEY, DEV_INTERNAL_SECRET, DEV_SERVICE_TOKEN, DEV_CURSOR_SECRET}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without any secret or mode a developer's shell may carry."""
    env = {k: v for k, v in os.environ.items() if k not in NAMES and k != "ANJU_ENV"}
    env.update(extra)
    return env


def _read(path: Path) -> dict[str, str]:
    pairs = [
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    ]
    return {k: v for k, v in pairs}


def test_the_script_creates_a_private_file_of_distinct_random_secrets_once(tmp_path: Path) -> None:
    env = _clean_env(ANJU_VAR_DIR=str(tmp_path / "var"))
    subprocess.run(["bash", str(SCRIPT), "ensure"], env=env, check=True, capture_output=True)
    path = tmp_path / "var" / "secrets.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = _read(path)
    assert set(first) == NAMES
    assert len(set(first.values())) == len(NAMES)
    for name, value in first.items():
        raw = value.split(":", 1)[1] if name == "ANJU_PII_KEYS" else value
        assert len(raw) >= 43, name  # 32 random bytes, base64url
        assert value not in PUBLIC_DEFAULTS, name
    FieldCipher.from_config(first["ANJU_PII_KEYS"], first["ANJU_PII_HASH_KEY"])  # a valid key
    # A second run (a second `make up`) keeps every value: data encrypted with them stays readable.
    subprocess.run(["bash", str(SCRIPT), "ensure"], env=env, check=True, capture_output=True)
    assert _read(path) == first
    # A new secret added in a later version is appended without touching the others.
    path.write_text("\n".join(f"{k}={v}" for k, v in first.items() if k != "ANJU_CURSOR_SECRET") + "\n")
    subprocess.run(["bash", str(SCRIPT), "ensure"], env=env, check=True, capture_output=True)
    again = _read(path)
    assert {k: again[k] for k in first if k != "ANJU_CURSOR_SECRET"} == {
        k: v for k, v in first.items() if k != "ANJU_CURSOR_SECRET"
    }
    assert again["ANJU_CURSOR_SECRET"] not in first.values()
    # Another var dir gets other secrets.
    other = _clean_env(ANJU_VAR_DIR=str(tmp_path / "other"))
    subprocess.run(["bash", str(SCRIPT), "ensure"], env=other, check=True, capture_output=True)
    assert not set(_read(tmp_path / "other" / "secrets.env").values()) & set(first.values())


def test_env_sh_exports_the_file_and_the_shell_still_wins(tmp_path: Path) -> None:
    env = _clean_env(ANJU_VAR_DIR=str(tmp_path / "var"))
    subprocess.run(["bash", str(SCRIPT), "ensure"], env=env, check=True, capture_output=True)
    stored = _read(tmp_path / "var" / "secrets.env")
    show = f'set -eu; . "{REPO_ROOT}/deploy/local/env.sh"; echo "$ANJU_SERVICE_TOKEN $GATEWAY_JWT_SECRET"'
    out = subprocess.run(
        ["bash", "-c", show], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == [stored["ANJU_SERVICE_TOKEN"], stored["GATEWAY_JWT_SECRET"]]
    mine = {**env, "GATEWAY_JWT_SECRET": "set-in-my-shell"}
    out = subprocess.run(
        ["bash", "-c", show], env=mine, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == [stored["ANJU_SERVICE_TOKEN"], "set-in-my-shell"]


def test_settings_name_every_public_default_outside_development() -> None:
    settings = ServiceSettings(env="production")
    assert set(settings.insecure_secrets()) == {
        "ANJU_INTERNAL_TOKEN_SECRET",
        "ANJU_SERVICE_TOKEN",
        "ANJU_PII_KEYS",
        "ANJU_PII_HASH_KEY",
        "ANJU_CURSOR_SECRET",
    }
    with pytest.raises(InsecureSettingsError) as err:
        settings.refuse_insecure_defaults()
    assert "ANJU_PII_KEYS" in str(err.value) and str(err.value).split(": ", 1)[1].startswith("拒绝")
    ServiceSettings(env="development").refuse_insecure_defaults()
    ServiceSettings(env="test").refuse_insecure_defaults()
    strong = ServiceSettings(
        env="production",
        internal_token_secret="a" * 40,
        service_token="b" * 40,
        pii_keys="k1:" + "c" * 43,
        pii_hash_key="d" * 40,
        cursor_secret="e" * 40,
    )
    strong.refuse_insecure_defaults()
    # Setting a public value explicitly is no better than leaving the default.
    leaked = strong.model_copy(
        update={"pii_keys": DEV_KEYS, "pii_hash_key": DEV_HASH_KEY, "service_token": " "}
    )
    assert set(leaked.insecure_secrets()) == {"ANJU_PII_KEYS", "ANJU_PII_HASH_KEY", "ANJU_SERVICE_TOKEN"}


@pytest.mark.parametrize(
    ("service", "names"),
    [
        ("jobs", ["ANJU_INTERNAL_TOKEN_SECRET", "ANJU_SERVICE_TOKEN", "ANJU_PII_KEYS", "ANJU_PII_HASH_KEY"]),
        ("notifications", ["NOTIFICATIONS_CALLBACK_TOKEN"]),
        ("gateway", ["GATEWAY_JWT_SECRET", "GATEWAY_API_KEY_PEPPER", "ANJU_INTERNAL_TOKEN_SECRET"]),
    ],
)
def test_a_service_started_with_the_defaults_exits_naming_the_variables(
    service: str, names: list[str]
) -> None:
    env = _clean_env(ANJU_VAR_DIR="/nonexistent-anju-var", ANJU_DB="sqlite")
    done = subprocess.run(
        [sys.executable, "-m", service], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    for name in names:
        assert name in done.stderr, done.stderr[-2000:]
    assert "ANJU_ENV=development" in done.stderr
