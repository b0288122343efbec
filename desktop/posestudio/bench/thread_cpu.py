"""CPU time per thread of this process, grouped by what the thread does: where the window's extra CPU goes.

CPU seconds hold up on a loaded machine where wall-clock speeds do not: a thread waiting for a core is not
charged. Linux only (/proc/self/task); elsewhere only the process total is known.
"""

from __future__ import annotations

import os
import resource
import threading

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu() -> float:
    """CPU seconds used by the whole process so far, ended threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _group(name: str) -> str:
    """A short label: FFmpeg's codec threads and Qt's pool threads together."""
    if name.startswith("av:"):
        return "ffmpeg codec threads"
    if name.startswith("Thread (pooled)") or name.startswith("QThreadPoolThre"):
        return "Qt pool (angles, summary, saver)"
    return name


def thread_times() -> dict[int, tuple[str, float]]:
    """{native thread id: (name, CPU seconds)} of the threads alive now. The name is Python's for threads
    Python started, else the kernel's: a QThread's object name, and for threads started from C++ (onnxruntime's
    pool, FFmpeg's codec threads) the name of the thread that started them, marked 'native'."""
    python = {t.native_id: t.name for t in threading.enumerate()
              if t.native_id is not None and not t.name.startswith("Dummy-")}
    known = {t.native_id for t in threading.enumerate()}
    main = threading.main_thread().native_id
    out: dict[int, tuple[str, float]] = {}
    tasks = "/proc/self/task"
    if not os.path.isdir(tasks):
        return out
    for task in os.listdir(tasks):
        try:  # one read per thread: its stat holds the name too (the sampling runs on the GUI thread)
            with open(f"{tasks}/{task}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue  # ended meanwhile
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)
        tid = int(task)
        if tid == main:
            name = "GUI thread"
        elif tid in python:
            name = python[tid]
        elif tid in known or comm.startswith("av:"):
            name = comm
        else:
            name = f"{comm} (native)"
        out[tid] = (name, cpu)
    return out


class SampledCpu(threading.Thread):
    """A ThreadCpu sampled every `interval` seconds on a thread of its own until stop(), which takes the last
    sample. Not on the window's thread: a sample reads a file per thread, each read gives up the interpreter
    lock and waits to get it back from busy analysis threads, so sampling there took 16-22 ms at the end of
    an analysis, inside the very stalls the bench measures."""

    def __init__(self, interval: float):
        super().__init__(name="bench-cpu-sampler", daemon=True)
        self.cpu = ThreadCpu()
        self._interval = interval
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            self.cpu.sample()
        self.cpu.sample()

    def stop(self) -> None:
        """Take the last sample now (on the sampling thread); join() before reading the figures."""
        self._halt.set()


class ThreadCpu:
    """Call sample() now and then (and at the end); by_group() is the CPU each group of threads used since
    the first sample. A thread's CPU after its last sample before it ended is missed (at most the interval)."""

    def __init__(self):
        self._start: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._process0 = process_cpu()
        self._process1 = self._process0
        self._first = True
        self.sample()

    def sample(self) -> None:
        now = thread_times()
        for tid, (name, cpu) in now.items():
            if tid in self._last and name.endswith(" (native)"):
                # a Python thread just past join() still shows in /proc, no longer in threading.enumerate()
                name = self._last[tid][0]
            if tid not in self._start:
                self._start[tid] = cpu if self._first else 0.0  # a thread born after the start counts whole
            self._last[tid] = (name, cpu)
        self._first = False
        self._process1 = process_cpu()

    @property
    def process_seconds(self) -> float:
        return self._process1 - self._process0

    def by_group(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        for tid, (name, cpu) in self._last.items():
            used = cpu - self._start.get(tid, 0.0)
            if used > 0:
                label = _group(name)
                groups[label] = groups.get(label, 0.0) + used
        seen = sum(groups.values())
        missed = self.process_seconds - seen
        if missed > 0.05:
            groups["ended between samples"] = missed
        return dict(sorted(groups.items(), key=lambda kv: -kv[1]))
