"""The GUI thread's time in each of the window's handlers (curves drawn, view moved, rings, summary, overlay,
paints): CPU time of the thread, which a loaded machine does not inflate the way it does wall-clock gaps.

Methods are wrapped on their classes before the window is made, so signal connections bind the wrappers.
"""

from __future__ import annotations

import functools
import gc
import threading
import time

import numpy as np

# (label, module, class, method): what the window does on the GUI thread when something changes
HANDLERS = (
    ("angles arrive (all)", "posestudio.app.angle_curves", "AngleCurves", "_on_angles"),
    ("new frames analysed", "posestudio.app.angle_curves", "AngleCurves", "_on_frames"),
    ("curves handed over", "posestudio.app.timeline.widget", "Timeline", "set_clip_curves"),
    ("view moved: curves drawn", "posestudio.app.timeline.rows", "JointRow", "redraw"),
    ("rings", "posestudio.app.timeline.widget", "Timeline", "set_marks"),
    ("left-out bands", "posestudio.app.timeline.widget", "Timeline", "set_left_out"),
    ("cursor", "posestudio.app.timeline.widget", "Timeline", "set_cursor"),
    ("range selected", "posestudio.app.timeline.widget", "Timeline", "set_range"),
    ("summary asked", "posestudio.app.summary_panel", "SummaryPanel", "update_from"),
    ("summary shown", "posestudio.app.summary_panel", "SummaryPanel", "_show"),
    ("overlay", "posestudio.app.frame_display", "FrameDisplay", "refresh_overlay"),
    ("frame shown", "posestudio.app.video_view", "VideoView", "set_frame"),
    ("timeline paint", "posestudio.app.timeline.widget", "_RowsView", "paintEvent"),
    ("video paint", "posestudio.app.video_view", "VideoView", "paintEvent"),
)


class HandlerTimes:
    def __init__(self):
        self.calls: dict[str, list[tuple[float, float]]] = {}   # label -> [(cpu ms, wall ms)]
        self._gui = threading.get_ident()

    def install(self) -> None:
        import importlib

        for label, module, cls, name in HANDLERS:
            owner = getattr(importlib.import_module(module), cls, None)
            if owner is not None and hasattr(owner, name):
                setattr(owner, name, self._wrap(label, getattr(owner, name)))

    def _wrap(self, label: str, method):
        @functools.wraps(method)
        def timed(*args, **kwargs):
            if threading.get_ident() != self._gui:
                return method(*args, **kwargs)
            c0, w0 = time.thread_time(), time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.calls.setdefault(label, []).append(((time.thread_time() - c0) * 1000.0,
                                                         (time.perf_counter() - w0) * 1000.0))
        return timed

    def take(self) -> dict[str, dict[str, float]]:
        """Per handler since the last take: calls, median and max CPU ms, max wall ms."""
        out = {}
        for label, _m, _c, _n in HANDLERS:
            rows = self.calls.get(label)
            if rows:
                cpu, wall = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
                out[label] = {"calls": len(rows), "median_cpu_ms": float(np.median(cpu)),
                              "max_cpu_ms": float(cpu.max()), "max_wall_ms": float(wall.max())}
        self.calls.clear()
        return out


def format_times(times: dict[str, dict[str, float]], indent: str = "    ") -> list[str]:
    return [f"{indent}{label:<26} {t['calls']:>5} calls  median {t['median_cpu_ms']:6.2f} ms  "
            f"max {t['max_cpu_ms']:6.1f} ms CPU ({t['max_wall_ms']:.0f} ms wall)" for label, t in times.items()]


class GcTimes:
    """Python's cyclic garbage collections run on the GUI thread: per generation, how many and their CPU ms.
    A collection runs inside whatever allocates when it is due, so a profile charges it to that code (a full
    one walks every tracked object: tens of ms once an hour-long clip's data is loaded)."""

    def __init__(self):
        self._gui = threading.get_ident()
        self._start = 0.0
        self.runs: dict[int, list[float]] = {}   # generation -> CPU ms of each collection
        self.since = 0.0                          # CPU ms collecting since the last take_since()
        self.label = ""                           # what runs now (the bench's part)
        self.full: list[tuple[str, float]] = []   # (label, CPU ms) of each full collection

    def install(self) -> None:
        gc.callbacks.append(self._on_gc)

    def remove(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if threading.get_ident() != self._gui:
            return
        if phase == "start":
            self._start = time.thread_time()
        else:
            ms = (time.thread_time() - self._start) * 1000.0
            self.runs.setdefault(info["generation"], []).append(ms)
            if info["generation"] == 2:
                self.full.append((self.label, ms))
            self.since += ms

    def take_since(self) -> float:
        ms, self.since = self.since, 0.0
        return ms

    @staticmethod
    def census(top: int = 6) -> str:
        """How many objects the collector tracks (what a full collection walks), and the most common types."""
        from collections import Counter

        kinds = Counter(type(o).__name__ for o in gc.get_objects())
        c0 = time.thread_time()
        gc.collect()
        full = (time.thread_time() - c0) * 1000.0
        return (f"{sum(kinds.values())} tracked objects (frozen ones left out), a full collection {full:.1f} ms CPU; "
                f"most: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common(top)))

    def lines(self, indent: str = "    ") -> list[str]:
        return [f"{indent}generation {g}: {len(ms):5d} collections  total {sum(ms):7.1f} ms  max {max(ms):6.1f} ms CPU"
                for g, ms in sorted(self.runs.items())] + \
            [f"{indent}full collection while {label or '?'}: {ms:.1f} ms CPU" for label, ms in self.full]


class LongTurns:
    """A profiler of the GUI thread that keeps only the event-loop turns over `ms` of the thread's CPU: a 1 ms
    timer starts a new profile at each turn, and a turn that took longer keeps its top functions (cumulative
    time), so each long stall has its own list rather than one summed over the whole run."""

    def __init__(self, ms: float = 30.0, top: int = 25, gc_times: GcTimes | None = None):
        from PySide6.QtCore import Qt, QTimer

        self.ms, self.top, self.gc_times = ms, top, gc_times
        self.turns: list[tuple[str, float, float, str]] = []   # (label, seconds since start, CPU ms, profile)
        self.gc_ms: list[float] = []   # per kept turn: its CPU in garbage collection (with gc_times)
        self.label = ""   # what is being measured (the bench's step)
        self._t0 = time.perf_counter()
        self._profile = None
        self._cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._begin()
        self.timer.start()

    def _begin(self) -> None:
        import cProfile

        self._profile = cProfile.Profile(time.thread_time)   # CPU: a turn waiting for a core is not its cost
        self._cpu = time.thread_time()
        if self.gc_times is not None:
            self.gc_times.take_since()   # a collection during the report above is the bench's, not the turn's
        self._profile.enable()

    def _tick(self) -> None:
        self._profile.disable()
        busy = (time.thread_time() - self._cpu) * 1000.0
        collected = self.gc_times.take_since() if self.gc_times is not None else 0.0
        if busy > self.ms:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(self._profile, stream=out).sort_stats("cumulative").print_stats(self.top)
            self.turns.append((self.label, time.perf_counter() - self._t0, busy, out.getvalue()))
            self.gc_ms.append(collected)
        self._begin()

    def stop(self) -> None:
        self.timer.stop()
        if self._profile is not None:
            self._profile.disable()

    def report(self) -> str:
        gc_ms = self.gc_ms if self.gc_times is not None else [None] * len(self.turns)
        return "\n".join(f"--- {label}, turn at {at:.2f} s: {busy:.1f} ms CPU (profiled)"
                         + ("" if g is None else f", of it {g:.1f} ms garbage collection") + f"\n{text}"
                         for (label, at, busy, text), g in zip(self.turns, gc_ms))
