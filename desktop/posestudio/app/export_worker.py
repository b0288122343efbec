"""Run an export (video or data) off the GUI thread with progress and cancel."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QThread, Signal

from posestudio.app.errors import user_message
from posestudio.core.errors import Cancelled

log = logging.getLogger(__name__)

EMIT_INTERVAL_S = 0.1


class ExportThread(QThread):
    """Calls job(progress=..., cancel=...) once; ends with exactly one of completed, failed, cancelled."""

    progress = Signal(int, int)
    completed = Signal(object)   # whatever the job returned (ExportReport, Path)
    failed = Signal(str)         # one sentence
    cancelled = Signal()

    def __init__(self, job: Callable, parent=None):
        super().__init__(parent)
        self.setObjectName("export")
        self._job = job
        self._cancel = threading.Event()
        self._last = 0.0

    def cancel(self) -> None:
        self._cancel.set()

    def _on_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= EMIT_INTERVAL_S:
            self._last = now
            self.progress.emit(int(done), int(total))

    def run(self) -> None:
        try:
            value = self._job(progress=self._on_progress, cancel=self._cancel)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # every failure reaches the user as one sentence; the log keeps the rest
            log.exception("export failed")
            self.failed.emit(user_message(exc))
        else:
            self.completed.emit(value)


def video_job(video_path: str, out_path: str, result, options):
    """A job for ExportThread that writes the annotated clip (posestudio.core.export.video_export)."""
    from posestudio.core.export.video_export import export_video

    def job(progress, cancel):
        return export_video(video_path, out_path, result, options, progress=progress, cancel=cancel)

    return job


def data_job(result, out_path: str, long: bool = False, smooth: bool = True, min_score: float = 0.3,
             person_id: int | None = None):
    """A job for ExportThread that writes CSV / JSON / TRC (posestudio.core.io.data_export); a TRC holds
    one person's markers: `person_id` (the one the window follows), else the one seen longest."""
    from posestudio.core.io.data_export import export_data

    def job(progress, cancel):
        trc = {"person_id": person_id} if Path(out_path).suffix.lower() == ".trc" else {}
        path = export_data(result, out_path, long=long, smooth=smooth, min_score=min_score, **trc)
        progress(1, 1)
        return path

    return job
