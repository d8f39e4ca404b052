"""Stand-ins for what the notifications service talks to: the real node-smpp SMSC and a contact stub."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from anju_common.testing import free_port
from fastapi import FastAPI, Header, HTTPException

PEER_DIR = Path(__file__).resolve().parent / "smpp_peer"


def ensure_peer_installed() -> None:
    """npm ci the SMSC's dependencies on a fresh machine (locked, so parallel runs do it once)."""
    with open("/tmp/anju-smpp-peer-npm.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PEER_DIR / "node_modules" / "smpp" / "package.json").exists():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=PEER_DIR,
                check=True,
                timeout=300,
            )


class SmppPeer:
    """The npm `smpp` package's server run with node: an independent SMSC that logs every submit_sm."""

    def __init__(self, workdir: Path) -> None:
        ensure_peer_installed()
        self.port = free_port()
        self.control_port = free_port()
        self.log = workdir / f"smsc-{self.port}.jsonl"
        self.log.touch()
        self.proc = subprocess.Popen(
            ["node", str(PEER_DIR / "server.js"), str(self.port), str(self.control_port), str(self.log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"SMPP peer did not start: {line}")
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.control_port}", timeout=5)

    def entries(self, event: str = "submit_sm") -> list[dict[str, Any]]:
        """Everything of one kind the SMSC logged, in order."""
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                if entry.get("event") == event:
                    out.append(entry)
        return out

    def submits_to(self, phone: str) -> list[dict[str, Any]]:
        """submit_sm PDUs to one E.164 number."""
        dest = phone.lstrip("+")
        return [e for e in self.entries() if e["dest"] == dest]

    def messages_to(self, phone: str) -> list[str]:
        """Whole messages to a number: concatenated parts joined by their UDH reference."""
        messages: list[str] = []
        partial: dict[str, dict[int, str]] = {}
        for e in self.submits_to(phone):
            if not e["udh"]:
                messages.append(e["text"])
                continue
            udh = bytes.fromhex(e["udh"][0])
            ref, total, seq = udh[2], udh[3], udh[4]
            parts = partial.setdefault(f"{ref}", {})
            parts[seq] = e["text"]
            if len(parts) == total:
                messages.append("".join(parts[i] for i in range(1, total + 1)))
                del partial[f"{ref}"]
        return messages

    def configure(self, **config: Any) -> None:
        """Change the SMSC's behaviour (permanent/temporary errors per destination, delay, receipts)."""
        self.http.post("/config", json=config).raise_for_status()

    def send_mo(self, phone: str, text: str) -> int:
        """Make the SMSC deliver a worker's reply to every bound ESME; returns how many got it."""
        response = self.http.post("/mo", json={"from": phone.lstrip("+"), "text": text})
        response.raise_for_status()
        sent: int = response.json()["sent"]
        return sent

    def bound_sessions(self) -> int:
        """How many ESMEs are bound now."""
        count: int = self.http.get("/status").json()["sessions"]
        return count

    def drop_links(self) -> None:
        """Cut every TCP link, like a network failure."""
        self.http.post("/drop").raise_for_status()

    def stop(self) -> None:
        """Terminate node."""
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class WorkerDirectory:
    """A tiny HTTP stand-in for the workers service's internal contact endpoint (another Anju service)."""

    token: str
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0
    batch_calls: int = 0
    batch_endpoint: bool = True  # False: answer like a workers service older than POST /contacts
    port: int = 0
    _server: uvicorn.Server | None = None

    def add(
        self, *, phone: str | None = None, consent: bool = True, site_id: uuid.UUID | None = None
    ) -> dict[str, Any]:
        """Register a worker; returns its contact."""
        worker_id = uuid.uuid4()
        contact = {
            "worker_id": str(worker_id),
            "site_id": str(site_id or uuid.uuid4()),
            "household_id": str(uuid.uuid4()),
            "phone": phone or random_phone(),
            "sms_consent": consent,
            "name": "测试",
        }
        self.contacts[str(worker_id)] = contact
        return contact

    def start(self) -> None:
        """Serve on a free port in a thread."""
        app = FastAPI()

        @app.get("/internal/v1/workers/{worker_id}/contact")
        def contact(
            worker_id: str, x_anju_service_token: str | None = Header(default=None)
        ) -> dict[str, Any]:
            self.calls += 1
            if x_anju_service_token != self.token:
                raise HTTPException(401, "bad service token")
            found = self.contacts.get(worker_id)
            if found is None:
                raise HTTPException(404, "no such worker")
            return found

        @app.post("/internal/v1/workers/contacts")
        def contacts(
            body: dict[str, list[str]], x_anju_service_token: str | None = Header(default=None)
        ) -> dict[str, Any]:
            if not self.batch_endpoint:
                raise HTTPException(404, "Not Found")
            self.batch_calls += 1
            if x_anju_service_token != self.token:
                raise HTTPException(401, "bad service token")
            ids = body["worker_ids"]
            return {
                "contacts": [self.contacts[i] for i in ids if i in self.contacts],
                "missing": [i for i in ids if i not in self.contacts],
            }

        @app.get("/internal/v1/workers/by-phone-hash/{phone_hash}")
        def by_phone_hash(
            phone_hash: str, x_anju_service_token: str | None = Header(default=None)
        ) -> dict[str, Any]:
            from notifications.phones import hash_phone

            self.calls += 1
            if x_anju_service_token != self.token:
                raise HTTPException(401, "bad service token")
            found = [c for c in self.contacts.values() if c["phone"] and hash_phone(c["phone"]) == phone_hash]
            keys = ("worker_id", "site_id", "household_id")
            return {"workers": [{k: c[k] for k in keys} for c in found]}

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def url(self) -> str:
        """Base URL for NOTIFICATIONS_WORKERS_URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.should_exit = True


_counter = int.from_bytes(os.urandom(3), "big")


def random_phone() -> str:
    """A unique mainland mobile number in E.164."""
    global _counter
    _counter += 1
    return f"+86139{_counter % 100_000_000:08d}"
