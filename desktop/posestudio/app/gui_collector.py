"""Python's cyclic garbage collection, run only on the GUI thread while a window is open.

CPython starts a collection on whichever thread happens to allocate. When that is a worker and the garbage holds
a Qt object's wrapper, ~QObject runs there and waits for the GIL (PySide looks for a Python override), while the
GUI thread holds the GIL and waits for a Qt mutex the destructor holds: the window hangs for good (seen in a test,
about one run in ten). So automatic collection is off while a window lives, and a timer on the GUI thread
collects by the interpreter's own thresholds instead."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

TICK_MS = 100   # the young generation waits at most this long; a young collection costs well under 1 ms

_running: set[int] = set()   # keys of the collectors running; automatic collection is on when none is


def generation_due(counts: tuple[int, int, int], thresholds: tuple[int, int, int]) -> int | None:
    """The generation the interpreter would collect now, or None: CPython's rule (the oldest whose count passed
    its threshold, once the allocations passed the first), less its check on long-lived objects."""
    if thresholds[0] <= 0 or counts[0] <= thresholds[0]:
        return None
    for generation in (2, 1):
        if counts[generation] > thresholds[generation]:
            return generation
    return 0


class GuiThreadCollector(QObject):
    """Made on the GUI thread, as a child of the window; `stop()`, or the window's destruction, gives collection
    back to the interpreter once no other collector runs."""

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._key = id(self)
        _running.add(self._key)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()
        self.destroyed.connect(lambda *_, key=self._key: _release(key))   # a window dropped without closing

    def collect_if_due(self) -> int | None:
        generation = generation_due(gc.get_count(), gc.get_threshold())
        if generation is not None:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        self._timer.stop()
        _release(self._key)


def _release(key: int) -> None:
    if key in _running:
        _running.discard(key)
        if not _running:
            gc.enable()
