"""Run posestudio.core.analysis.run on a worker thread: progress, cancel, partial results, the per-user cache."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import threading
import time

import numpy as np
from PySide6.QtCore import QThread, Signal

from posestudio.app.errors import user_message
from posestudio.core.errors import Cancelled

log = logging.getLogger(__name__)

EMIT_INTERVAL_S = 0.15  # partial results and progress reach the GUI at most this often


def snapshot(result):
    """A copy the GUI can read while the worker keeps filling the original."""
    fields = {"keypoints": result.keypoints.copy(), "person_scores": result.person_scores.copy(),
              "person_ids": result.person_ids.copy(), "analysed": result.analysed.copy()}
    if result.world is not None:
        fields["world"] = result.world.copy()
    return dataclasses.replace(result, **fields)


class _Fingerprint:
    """What load_cached reads from a source: only its fingerprint."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint


def lower_thread_priority(niceness: int = 10) -> None:
    """Let the GUI win the CPU on small machines: on Linux a thread's nice value is its own, and the
    threads it starts (onnxruntime's pool, the decode thread) inherit it. Elsewhere QThread's
    LowPriority (set at start) does the job."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            log.debug("Could not lower the analysis thread's priority", exc_info=True)


class AnalysisThread(QThread):
    """One analysis of one clip with one model. States: running until exactly one of the end signals."""

    progress = Signal(int, int)
    partial = Signal(object)       # AnalysisResult snapshot
    completed = Signal(object)     # AnalysisResult, all frames
    failed = Signal(str)           # one sentence
    cancelled = Signal()

    def __init__(self, path: str, model_id: str, parent=None, fingerprint: str | None = None):
        super().__init__(parent)
        self.setObjectName("analysis")
        self.path = str(path)
        self.fingerprint = fingerprint  # known from the opened clip: the cache lookup need not reopen the file
        self.model_id = model_id
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self._last_progress = 0.0
        self.from_cache = False

    def start(self) -> None:  # noqa: D102 - same as QThread.start, at low priority
        super().start(QThread.Priority.LowPriority)

    def cancel(self) -> None:
        self._cancel.set()

    def _on_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_progress >= EMIT_INTERVAL_S:
            self._last_progress = now
            self.progress.emit(int(done), int(total))

    def _on_frames(self, result, start: int, stop: int) -> None:
        now = time.monotonic()
        if now - self._last_emit >= EMIT_INTERVAL_S:
            self._last_emit = now
            self.partial.emit(snapshot(result))

    def run(self) -> None:
        from posestudio.core.analysis import run as analysis

        lower_thread_priority()
        try:
            key = _Fingerprint(self.fingerprint) if self.fingerprint else self.path
            cached = analysis.load_cached(key, self.model_id)
            if cached is not None and bool(np.all(cached.analysed)):
                self.from_cache = True
                self.progress.emit(cached.frame_count, cached.frame_count)
                self.completed.emit(cached)
                return
            result = analysis.analyse_video(
                self.path, self.model_id, progress=self._on_progress, cancel=self._cancel,
                on_frames=self._on_frames,
            )
            self._save(analysis, result)
            self.completed.emit(result)
        except Cancelled:
            log.info("Analysis of %s with %s cancelled", self.path, self.model_id)
            self.cancelled.emit()
        except Exception as exc:
            if self._cancel.is_set():
                self.cancelled.emit()
                return
            log.error("Analysis of %s with %s failed", self.path, self.model_id, exc_info=True)
            self.failed.emit(user_message(exc))

    def _save(self, analysis, result) -> None:
        """Keep the result for next time; a cache file already there was stale or unreadable (else load_cached
        would have returned it), so it is replaced."""
        try:
            analysis.save_cached(result)
        except Exception:  # a cache we cannot write costs time next time, nothing else
            log.warning("Could not save the analysis to the cache", exc_info=True)
