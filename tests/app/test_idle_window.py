"""The idle window loads nothing on first use: what the analysis and the angles import lazily (scipy, the
plot exporter) is loaded before the window shows, so no import lands on the GUI thread or holds the GIL
while it waits for a file."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import Qt, QTimer


def test_lazily_imported_modules_are_loaded_with_the_window_module():
    import posestudio.app.main_window  # noqa: F401

    for name in ("scipy.signal", "scipy.interpolate", "scipy.optimize", "pyqtgraph.exporters"):
        assert name in sys.modules, f"{name} would be imported on first use, after the window shows"


def test_the_idle_window_turns_its_event_loop_without_long_busy_turns(window, qtbot):
    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
    timer.start()
    qtbot.wait(2000)
    timer.stop()
    assert len(ticks) > 20
    # CPU the GUI thread spent between two turns: waiting for a core on a loaded machine does not count
    busiest = max(b[1] - a[1] for a, b in zip(ticks, ticks[1:])) * 1000.0
    assert busiest < 50.0, f"the idle window's GUI thread was busy {busiest:.0f} ms in one turn"
