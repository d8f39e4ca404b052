"""supervisord as configured by deploy/local/supervise.py restarts a killed service while the others serve."""

from __future__ import annotations

import importlib.util
import os
import shlex
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anju_common.testing import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("supervise", REPO / "deploy" / "local" / "supervise.py")
assert _spec is not None and _spec.loader is not None
supervise: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(supervise)
SUPERVISORD = Path(sys.executable).with_name("supervisord")


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


class Supervised:
    """A supervisord of the test's own, started the way deploy/local/stack.sh starts it."""

    def __init__(self, tmp: Path, programs: dict[str, str]) -> None:
        self.run_dir = tmp / "run"
        self.log_dir = tmp / "log"
        self.run_dir.mkdir()
        self.log_dir.mkdir()
        procfile = tmp / "Procfile"
        procfile.write_text("".join(f"{n}: {c}\n" for n, c in programs.items()))
        common = ["--run-dir", str(self.run_dir), "--log-dir", str(self.log_dir)]
        assert supervise.main(["conf", "--procfile", str(procfile), "--root", str(tmp), *common]) == 0
        self.common = common
        self.proc = subprocess.Popen(
            [str(SUPERVISORD), "-c", str(self.run_dir / "supervisord.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def info(self) -> dict[str, dict[str, Any]]:
        """Program name -> its row of supervise.py status."""
        try:
            return {r["name"]: r for r in supervise.process_info(self.run_dir, self.log_dir)}
        except OSError:
            return {}

    def running_pid(self, name: str) -> int | None:
        """The pid of a RUNNING program, else None."""
        row = self.info().get(name)
        return int(row["pid"]) if row and row["state"] == "RUNNING" else None

    def stop(self) -> None:
        """SIGTERM supervisord (it stops its programs) and wait."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Supervised, int, int]]:
    """Two stand-in HTTP services and one that always crashes, under supervisord."""
    a, b = free_port(), free_port()
    py = shlex.quote(sys.executable)
    sup = Supervised(
        tmp_path,
        {
            "alpha": f"{py} -m http.server {a} --bind 127.0.0.1",
            "beta": f"{py} -m http.server {b} --bind 127.0.0.1",
            "crashy": f"{py} -c 'import sys; sys.exit(3)'",
        },
    )
    try:
        assert wait_for(lambda: _answers(a) and _answers(b), timeout=30), "stand-ins did not start"
        # RUNNING once a program has stayed up for startsecs.
        assert wait_for(lambda: sup.running_pid("alpha") and sup.running_pid("beta"), timeout=30)
        yield sup, a, b
    finally:
        sup.stop()


def test_a_killed_service_is_restarted_while_its_sibling_keeps_answering(
    stack: tuple[Supervised, int, int],
) -> None:
    sup, a, b = stack
    old = sup.running_pid("alpha")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    assert _answers(b), "the sibling went down with the killed service"
    back = wait_for(lambda: sup.running_pid("alpha") not in (None, old) and _answers(a), timeout=30)
    assert back, "alpha was not restarted"
    assert _answers(b)
    rows = sup.info()
    assert rows["alpha"]["restarts"] == 1
    assert rows["beta"]["restarts"] == 0
    assert rows["beta"]["uptime_s"] is not None


def test_a_crash_loop_backs_off_and_gives_up_without_touching_the_others(
    stack: tuple[Supervised, int, int],
) -> None:
    sup, a, b = stack
    # Linear backoff (1 s, 2 s, ...): within a few seconds only a handful of attempts, never a tight loop.
    assert wait_for(lambda: sup.info().get("crashy", {}).get("restarts", 0) >= 2, timeout=20)
    assert sup.info()["crashy"]["restarts"] <= supervise.START_RETRIES
    assert sup.info()["crashy"]["state"] in {"BACKOFF", "STARTING", "FATAL"}
    assert _answers(a) and _answers(b)


def test_status_prints_pid_uptime_and_restarts(stack: tuple[Supervised, int, int]) -> None:
    sup, _, _ = stack
    out = subprocess.run(
        [sys.executable, str(REPO / "deploy/local/supervise.py"), "status", *sup.common],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    header, *lines = out.strip().splitlines()
    assert header.split() == ["service", "state", "pid", "uptime", "restarts"]
    alpha = next(line.split() for line in lines if line.split()[0] == "alpha")
    assert alpha[1] == "RUNNING" and int(alpha[2]) == sup.running_pid("alpha") and alpha[4] == "0"


def test_stopping_supervisord_stops_every_program(stack: tuple[Supervised, int, int]) -> None:
    sup, a, b = stack
    pids = [sup.running_pid("alpha"), sup.running_pid("beta")]
    sup.stop()
    assert sup.proc.returncode is not None
    for pid in pids:
        assert pid is not None
        assert wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=10)  # noqa: B023
    assert not _answers(a) and not _answers(b)


def test_procfile_lines_become_programs_with_absolute_commands(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\n\njobs: .venv/bin/python -m jobs\nconsole: /usr/bin/env true\n")
    entries = supervise.read_procfile(procfile)
    assert entries == [("jobs", ".venv/bin/python -m jobs"), ("console", "/usr/bin/env true")]
    text = supervise.render_conf(entries, run_dir=tmp_path, log_dir=tmp_path, root=Path("/srv/anju"))
    assert "[program:jobs]\ncommand=/srv/anju/.venv/bin/python -m jobs\n" in text
    assert "command=/usr/bin/env true" in text
    assert text.count("autorestart=true") == 2
    with pytest.raises(ValueError, match="not a Procfile line"):
        procfile.write_text("no colon here\n")
        supervise.read_procfile(procfile)
