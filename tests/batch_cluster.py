"""A real Dask cluster on 127.0.0.1 for the batch tests: a scheduler process and worker processes, as
`dask scheduler` / `dask worker` start them, always torn down."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT_S = 180   # a loaded 2-core machine takes a while to import distributed and posestudio


def _wait(condition, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{what}: a process exited with {p.returncode}")
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


class LocalDaskCluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.address: str | None = None

    def _start(self, args: list[str], env: dict | None = None, log_name: str = "proc") -> subprocess.Popen:
        log = open(self.folder / f"{log_name}-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **(env or {})), start_new_session=True)
        self.procs.append(proc)
        return proc

    def start_scheduler(self) -> str:
        proc = self._start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                            "--no-dashboard", "--scheduler-file", str(self.scheduler_file)], log_name="scheduler")
        _wait(self.scheduler_file.is_file, START_TIMEOUT_S, "dask scheduler", [proc])
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        return self.address

    def start_worker(self, *extra: str, env: dict | None = None) -> subprocess.Popen:
        return self._start(["distributed.cli.dask_worker", "--scheduler-file", str(self.scheduler_file),
                            "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-dashboard", *extra],
                           env=env, log_name="worker")

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(n, timeout=START_TIMEOUT_S)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
