"""The GUI thread's time in each of the window's handlers (curves drawn, view moved, rings, summary, overlay,
paints): CPU time of the thread, which a loaded machine does not inflate the way it does wall-clock gaps.

Methods are wrapped on their classes before the window is made, so signal connections bind the wrappers.
"""

from __future__ import annotations

import functools
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


class LongTurns:
    """A profiler of the GUI thread that keeps only the event-loop turns over `ms` of the thread's CPU: a 1 ms
    timer starts a new profile at each turn, and a turn that took longer keeps its top functions (cumulative
    time), so each long stall has its own list rather than one summed over the whole run."""

    def __init__(self, ms: float = 30.0, top: int = 25):
        from PySide6.QtCore import Qt, QTimer

        self.ms, self.top = ms, top
        self.turns: list[tuple[str, float, float, str]] = []   # (label, seconds since start, CPU ms, profile)
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
        self._profile.enable()

    def _tick(self) -> None:
        self._profile.disable()
        busy = (time.thread_time() - self._cpu) * 1000.0
        if busy > self.ms:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(self._profile, stream=out).sort_stats("cumulative").print_stats(self.top)
            self.turns.append((self.label, time.perf_counter() - self._t0, busy, out.getvalue()))
        self._begin()

    def stop(self) -> None:
        self.timer.stop()
        if self._profile is not None:
            self._profile.disable()

    def report(self) -> str:
        return "\n".join(f"--- {label}, turn at {at:.2f} s: {busy:.1f} ms CPU (profiled)\n{text}"
                         for label, at, busy, text in self.turns)
