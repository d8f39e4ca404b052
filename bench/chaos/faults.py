"""The drill's own Kafka (one broker or a three-broker KRaft cluster) and the SIGKILLs it suffers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from anju_common.testing import free_port

REPO = Path(__file__).resolve().parents[2]
SHARED_PORT = 9092


class Brokers:
    """Private brokers run by deploy/local/kafka.sh in the run's own directory (never the shared one)."""

    def __init__(self, var_dir: Path, count: int) -> None:
        if count not in (1, 3):
            raise ValueError("--brokers must be 1 or 3")
        var_dir.mkdir(parents=True, exist_ok=True)
        self.var_dir = var_dir
        self.count = count
        self.ports = [free_port() for _ in range(count)]
        if SHARED_PORT in self.ports:  # free_port cannot return it while the shared broker listens; be sure
            raise RuntimeError("refusing to run a private broker on the shared broker's port")
        self.bootstrap = ",".join(f"127.0.0.1:{p}" for p in self.ports)
        self.env = dict(os.environ)
        self.env.pop("ANJU_KAFKA_PORTS", None)
        self.env.pop("ANJU_KAFKA_CONTROLLER_PORTS", None)
        self.env.update(
            ANJU_VAR_DIR=str(var_dir),
            ANJU_KAFKA_BROKERS=str(count),
            ANJU_KAFKA_PORT=str(self.ports[0]),
            ANJU_KAFKA_CONTROLLER_PORT=str(free_port()),
            ANJU_KAFKA_BOOTSTRAP=self.bootstrap,
            ANJU_KAFKA_REPLICATION_FACTOR="3" if count == 3 else "1",
            ANJU_KAFKA_MIN_INSYNC_REPLICAS="2" if count == 3 else "1",
            ANJU_KAFKA_HEAP="384m",
            ANJU_KAFKA_START_TIMEOUT="600",
        )
        if count == 3:
            self.env["ANJU_KAFKA_PORTS"] = ",".join(map(str, self.ports))
            self.env["ANJU_KAFKA_CONTROLLER_PORTS"] = ",".join(str(free_port()) for _ in range(3))

    @property
    def replication_factor(self) -> int:
        """Replication of the run's topics."""
        return 3 if self.count == 3 else 1

    @property
    def min_insync(self) -> int:
        """min.insync.replicas of the run's topics."""
        return 2 if self.count == 3 else 1

    def script(self, *args: str) -> None:
        """Run kafka.sh with this run's environment (its log goes to the run directory)."""
        with (self.var_dir / "kafka-script.log").open("ab") as out:
            subprocess.run(
                ["bash", str(REPO / "deploy/local/kafka.sh"), *args],
                env=self.env,
                check=True,
                timeout=700,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def pid(self, node: int) -> int:
        """The pid kafka.sh recorded for node 1..count."""
        name = "kafka.pid" if self.count == 1 else f"kafka-{node}.pid"
        return int((self.var_dir / "run" / name).read_text().strip())

    def start(self) -> None:
        """Start every broker and wait until each answers."""
        self.script("start")

    def stop(self) -> None:
        """Stop every broker of the run (SIGTERM through kafka.sh: only the pids it recorded here)."""
        self.script("stop")

    def kill(self, node: int) -> None:
        """SIGKILL one broker (the only one when single) and wait until it is gone."""
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def revive(self, node: int) -> None:
        """Start a killed broker again and wait until it answers."""
        self.script("start" if self.count == 1 else "start-node", *([] if self.count == 1 else [str(node)]))

    def pick(self, rng: random.Random) -> int:
        """The broker to kill next: the only one, or any of three (one at a time)."""
        return 1 if self.count == 1 else rng.randint(1, self.count)


def kill_plan(targets: list[str], kills: int, rng: random.Random) -> list[str]:
    """`kills` targets in shuffled rounds, so that each is killed once before any is killed twice."""
    plan: list[str] = []
    while len(plan) < kills:
        round_ = list(targets)
        rng.shuffle(round_)
        if plan and round_[0] == plan[-1] and len(round_) > 1:
            round_[0], round_[-1] = round_[-1], round_[0]
        plan += round_
    return plan[:kills]
