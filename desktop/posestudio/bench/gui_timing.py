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
