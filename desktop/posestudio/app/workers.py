"""The only place in the app that starts threads. Four kinds, one owner:

- TaskThread: one long job (analysis, export) with throttled progress, partial results and cancel; it ends with
  exactly one of completed, failed, cancelled.
- LatestRunner: a computation where only the newest request matters (angles, summaries).
- OrderedSaver: writes the newest state handed to it; an older state never lands after a newer one
  (optionally once the states stop coming for a moment).
- ServiceThread: a loop that lives as long as its object (the frame decoder), or a one-off call.
- Workers: the owner; the window's close stops and waits for everything it made.

Workers never touch widgets: results come back through signals, queued to the GUI thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal

from posestudio.app.errors import user_message
from posestudio.core.errors import Cancelled

log = logging.getLogger(__name__)

EMIT_INTERVAL_S = 0.15  # progress and partial results reach the GUI at most this often


def lower_thread_priority(niceness: int = 10) -> None:
    """Let the GUI win the CPU on small machines: on Linux a thread's nice value is its own, and the threads
    it starts (onnxruntime's pool, the decode thread) inherit it. Elsewhere QThread's LowPriority does it."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            log.debug("Could not lower the thread's priority", exc_info=True)


class _BodyThread(QThread):
    """A QThread that runs one callable (the one QThread subclass in the app)."""

    def __init__(self, body: Callable[[], None], name: str):
        super().__init__()
        self.setObjectName(name)
        self._body = body

    def run(self) -> None:
        try:
            self._body()
        finally:
            self._body = None  # what the body holds (a frame cache, a result) is freed with the thread


class TaskThread(QObject):
    """Calls `job(progress=..., cancel=...)` once on its own thread. progress(done, total) is sent at most every
    emit_interval (the last step always); cancel is a threading.Event the job checks. With partial=True the job
    also gets `partial(make)`: `make()` builds the value to show and is only called when it is sent."""

    progress = Signal(int, int)
    partial = Signal(object)
    completed = Signal(object)   # whatever the job returned
    failed = Signal(str)         # one sentence; the traceback is in the log
    cancelled = Signal()
    finished = Signal()          # after the end signal, when the thread has stopped

    def __init__(self, job: Callable, name: str, parent: QObject | None = None, *, partial: bool = False,
                 low_priority: bool = False, emit_interval: float = EMIT_INTERVAL_S):
        super().__init__(parent)
        self.name = name
        self._job = job
        self._wants_partial = partial
        self._low_priority = low_priority
        self._interval = emit_interval
        self._cancel = threading.Event()
        self._last_progress = self._last_partial = 0.0
        self.thread = _BodyThread(self._run, name)
        self.thread.finished.connect(self.finished)

    def start(self) -> None:
        priority = QThread.Priority.LowPriority if self._low_priority else QThread.Priority.InheritPriority
        self.thread.start(priority)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, msecs: int = 5000) -> bool:
        return self.thread.wait(msecs)

    def _on_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_progress >= self._interval:
            self._last_progress = now
            self.progress.emit(int(done), int(total))

    def _on_partial(self, make: Callable[[], object]) -> None:
        now = time.monotonic()
        if now - self._last_partial >= self._interval:
            self._last_partial = now
            self.partial.emit(make())

    def _run(self) -> None:
        if self._low_priority:
            lower_thread_priority()
        kwargs = {"progress": self._on_progress, "cancel": self._cancel}
        if self._wants_partial:
            kwargs["partial"] = self._on_partial
        try:
            value = self._job(**kwargs)
        except Cancelled:
            log.info("%s cancelled", self.name)
            self.cancelled.emit()
        except Exception as exc:  # every failure reaches the user as one sentence; the log keeps the rest
            if self._cancel.is_set():
                self.cancelled.emit()
                return
            log.error("%s failed", self.name, exc_info=True)
            self.failed.emit(user_message(exc))
        else:
            self.completed.emit(value)
        finally:
            self._job = None


class ServiceThread(QObject):
    """Runs `body()` on its own thread: a loop that returns when its owner tells it to stop, or a one-off call."""

    finished = Signal()

    def __init__(self, body: Callable[[], None], name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.thread = _BodyThread(body, name)
        self.thread.finished.connect(self.finished)

    def start(self) -> None:
        self.thread.start()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, msecs: int = 5000) -> bool:
        return self.thread.wait(msecs)


class _Run(QRunnable):
    def __init__(self, body: Callable[[], None]):
        super().__init__()
        self._body = body

    def run(self) -> None:
        self._body()


def _one_thread_pool(owner: QObject) -> QThreadPool:
    pool = QThreadPool(owner)
    pool.setMaxThreadCount(1)
    return pool


class LatestRunner(QObject):
    """Runs `fn(*args)` on one thread. A request still queued when a newer one arrives is skipped, and a
    finished result is delivered (`ready`) only if no newer request was made meanwhile."""

    ready = Signal(object)
    failed = Signal(str)        # the exception's text; the traceback is logged
    _done = Signal(int, object, bool)

    def __init__(self, fn: Callable, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
        self._name = name
        self._pool = _one_thread_pool(self)
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


class OrderedSaver(QObject):
    """Writes the newest of the states handed to `save` with `write(state)` on one thread. Saves run one after
    another and each writes the newest state waiting, so an older state never lands after a newer one;
    states superseded before their turn are never written. With quiet_ms, `save` (on the GUI thread) holds the
    state until no newer one came for quiet_ms; `flush` and `wait` write a held state at once."""

    saved = Signal(object)            # the state that was written
    failed = Signal(object, object)   # state, exception (the traceback is logged)

    def __init__(self, write: Callable[[object], object], name: str, parent: QObject | None = None,
                 quiet_ms: int = 0):
        super().__init__(parent)
        self._write = write
        self._name = name
        self._pool = _one_thread_pool(self)
        self._lock = threading.Lock()
        self._waiting: object | None = None
        self._has_waiting = False
        self._busy = 0   # saves handed to the thread and not finished
        # quiet_ms > 0: a state is held on the GUI thread until no newer one came for that long, so a burst of
        # edits costs one write, not one per edit (each competes with the recompute that follows the edit)
        self._quiet_ms = max(int(quiet_ms), 0)
        self._held: object | None = None
        self._has_held = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(self._quiet_ms)
        self._quiet.timeout.connect(self._hand_over)

    @property
    def pending(self) -> bool:
        """A state is held for its quiet period or not written yet."""
        with self._lock:
            return self._has_held or self._busy > 0

    def save(self, state) -> None:
        if self._quiet_ms <= 0:
            self._start(state)
            return
        with self._lock:
            self._held, self._has_held = state, True
        self._quiet.start()   # restarted by every save: the newest state goes once the edits pause

    def _hand_over(self) -> None:
        with self._lock:
            if not self._has_held:
                return
            state, self._held, self._has_held = self._held, None, False
        self._start(state)

    def flush(self, msecs: int = 10000) -> bool:
        """Write a held state now and wait until every write has finished (before the cache is read or the
        window closes). On the GUI thread. False if a write was still running after `msecs`."""
        self._quiet.stop()
        self._hand_over()
        return self._pool.waitForDone(msecs)

    def _start(self, state) -> None:
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
        return self.flush(msecs)   # a held state is written, not dropped


class Workers(QObject):
    """Makes every worker of a window and stops them all when it closes. Task and service threads are kept
    referenced until their thread has ended (a QThread must not be destroyed while it runs)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._threads: set[QObject] = set()      # TaskThread / ServiceThread not finished yet
        self._runners: list[QObject] = []        # LatestRunner / OrderedSaver, in the order made
        self._stoppers: dict[QObject, Callable[[], None]] = {}

    def _keep(self, worker, stop: Callable[[], None] | None = None):
        self._threads.add(worker)
        if stop is not None:
            self._stoppers[worker] = stop
        worker.finished.connect(lambda w=worker: self._forget(w))
        return worker

    def _forget(self, worker) -> None:
        self._threads.discard(worker)
        self._stoppers.pop(worker, None)

    def task(self, job: Callable, name: str, **options) -> TaskThread:
        """A TaskThread (not started): see TaskThread for the options."""
        task = TaskThread(job, name, self, **options)
        return self._keep(task, task.cancel)

    def service(self, body: Callable[[], None], name: str, stop: Callable[[], None] | None = None) -> ServiceThread:
        """A ServiceThread (not started); `stop` asks the body to return (called on close)."""
        return self._keep(ServiceThread(body, name, self), stop)

    def call_once(self, fn: Callable[[], None], name: str) -> ServiceThread:
        """Start `fn()` on its own thread; an exception is logged, nothing else."""
        def body():
            try:
                fn()
            except Exception:
                log.warning("%s failed", name, exc_info=True)
        service = self.service(body, name)
        service.start()
        return service

    def latest(self, fn: Callable, name: str) -> LatestRunner:
        runner = LatestRunner(fn, name, self)
        self._runners.append(runner)
        return runner

    def saver(self, write: Callable[[object], object], name: str, quiet_ms: int = 0) -> OrderedSaver:
        """An OrderedSaver; quiet_ms > 0 writes only once no newer state came for that long (see there)."""
        saver = OrderedSaver(write, name, self, quiet_ms)
        self._runners.append(saver)
        return saver

    def stop_all(self, timeout_ms: int = 5000) -> bool:
        """Ask every thread to stop, then wait for them and for the runners (a pending save completes).
        Returns False if something did not end in time (logged)."""
        for stop in list(self._stoppers.values()):
            stop()
        ok = True
        for worker in list(self._threads):
            if not worker.wait(timeout_ms):
                log.warning("A worker thread (%s) did not stop in time", worker.name)
                ok = False
        for runner in self._runners:
            if isinstance(runner, LatestRunner):
                runner.cancel()
            if not runner.wait(timeout_ms):
                log.warning("%s was still running when the window closed", runner._name)
                ok = False
        return ok
