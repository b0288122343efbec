"""Work the window hands to a pool thread so the event loop never waits on it: a computation where only the
newest request matters, and the save of the newest state of a file. Workers never touch widgets; results
come back through queued signals."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Run(QRunnable):
    def __init__(self, body: Callable[[], None]):
        super().__init__()
        self._body = body

    def run(self) -> None:
        self._body()


class LatestOnly(QObject):
    """Runs `fn(*args)` on one pool thread. A request still queued when a newer one arrives is skipped, and a
    finished result is delivered (`ready`) only if no newer request was made meanwhile."""

    ready = Signal(object)
    failed = Signal(str)        # the exception's text; the traceback is logged
    _done = Signal(int, object, bool)

    def __init__(self, fn: Callable, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
        self._name = name
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.generation = 0      # newest request
        self.delivered = 0       # newest request whose outcome reached the GUI thread (or was superseded)
        self._done.connect(self._deliver)

    @property
    def pending(self) -> bool:
        return self.delivered != self.generation

    def submit(self, *args) -> int:
        self.generation += 1
        generation = self.generation
        self._pool.start(_Run(lambda: self._work(generation, args)))
        return generation

    def cancel(self) -> None:
        """Forget every request made so far (what they return is dropped)."""
        self.generation += 1
        self.delivered = self.generation

    def _work(self, generation: int, args: tuple) -> None:
        if generation != self.generation:
            return  # a newer request is queued behind this one
        try:
            value, ok = self._fn(*args), True
        except Exception as exc:
            log.error("%s failed", self._name, exc_info=True)
            value, ok = str(exc), False
        try:
            self._done.emit(generation, value, ok)
        except RuntimeError:  # the owner was destroyed while this ran (window closing): nobody to tell
            log.debug("%s finished after its owner was gone", self._name)

    def _deliver(self, generation: int, value, ok: bool) -> None:
        if generation != self.generation:
            return  # stale: a newer request is on its way
        self.delivered = generation
        if ok:
            self.ready.emit(value)
        else:
            self.failed.emit(value)

    def wait(self, msecs: int = 3000) -> bool:
        return self._pool.waitForDone(msecs)


class LatestSaver(QObject):
    """Writes the newest of the states handed to `save` with `write(state)` on one pool thread. Saves run one
    after another and each writes the newest state waiting, so an older state never lands after a newer
    one; states superseded before their turn are never written."""

    saved = Signal(object)         # the state that was written
    failed = Signal(object, object)   # state, exception (the traceback is logged)

    def __init__(self, write: Callable[[object], object], name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._write = write
        self._name = name
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._lock = threading.Lock()
        self._waiting: object | None = None
        self._has_waiting = False
        self._busy = 0   # saves handed to the pool and not finished (GUI-thread counter, guarded by the lock)

    @property
    def pending(self) -> bool:
        with self._lock:
            return self._busy > 0

    def save(self, state) -> None:
        with self._lock:
            self._waiting, self._has_waiting = state, True
            self._busy += 1
        self._pool.start(_Run(self._work))

    def _work(self) -> None:
        try:
            with self._lock:
                if not self._has_waiting:
                    return  # an earlier run already wrote the newest state
                state, self._waiting, self._has_waiting = self._waiting, None, False
            try:
                self._write(state)
            except Exception as exc:
                log.error("%s failed", self._name, exc_info=True)
                self.failed.emit(state, exc)
            else:
                self.saved.emit(state)
        finally:
            with self._lock:
                self._busy -= 1

    def wait(self, msecs: int = 10000) -> bool:
        return self._pool.waitForDone(msecs)
