"""Exports of compare mode: the side-by-side annotated MP4 (core export_side_by_side on a task thread, with
progress and cancel) and both clips' angles on A's clock as CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QProgressDialog

from posestudio.app.status import StatusLine
from posestudio.app.workers import Workers


class CompareExports(QObject):
    def __init__(self, compare, workers: Workers, status: StatusLine, host: QMainWindow):
        super().__init__(compare)
        self.compare, self.workers, self.status, self.host = compare, workers, status, host
        self.task = None
        self.progress: QProgressDialog | None = None

    def _ready(self) -> bool:
        c = self.compare
        if not c.active or c.comparison is None or not c.comparison.curves_b:
            self.status.alert("Compare two clips first (Compare > Compare with…) and wait until they are synced.")
            return False
        if self.task is not None:
            self.status.info("An export of the comparison is already running.")
            return False
        return True

    def _ask(self, title: str, suffix: str, kind: str) -> str | None:
        a = Path(self.compare.session_a.clip.path)
        b = Path(self.compare.session_b.clip.path)
        suggested = str(a.with_name(f"{a.stem}_vs_{b.stem}{suffix}"))
        path, _ = QFileDialog.getSaveFileName(self.host, title, suggested, kind)
        if not path:
            return None
        return path if Path(path).suffix.lower() == suffix else str(Path(path).with_suffix(suffix))

    def export_video(self, path: str | None = None) -> None:
        if not self._ready():
            return
        path = path or self._ask("Export side-by-side video", ".mp4", "MP4 video (*.mp4)")
        if not path:
            return
        c = self.compare
        a, b, comp = c.session_a, c.session_b, c.comparison
        if Path(path).resolve() in (Path(a.clip.path).resolve(), Path(b.clip.path).resolve()):
            self.status.alert("The export would overwrite one of the videos; choose another name.")
            return
        res_a, res_b, sync = a.result, b.result, comp.sync
        pa, pb = a.clip.path, b.clip.path

        def job(progress, cancel):
            from posestudio.core.export.side_by_side import SideBySideOptions, export_side_by_side
            from posestudio.core.video.source import VideoSource

            options = SideBySideOptions(titles=(f"A: {Path(pa).name}", f"B: {Path(pb).name}"),
                                        person_a=comp.pid_a, person_b=comp.pid_b)
            with VideoSource(pa) as src_a, VideoSource(pb) as src_b:
                return export_side_by_side(src_a, res_a, src_b, res_b, sync, path, options,
                                           progress=progress, cancel=cancel)

        self._run(job, "side-by-side export", "Writing the side-by-side video…", "Side-by-side video")

    def export_data(self, path: str | None = None) -> None:
        if not self._ready():
            return
        path = path or self._ask("Export aligned data", ".csv", "CSV (*.csv)")
        if not path:
            return
        comp = self.compare.comparison

        def job(progress, cancel):
            from posestudio.core.io.compare_tables import write_aligned
            from posestudio.core.kinematics.sync import aligned_columns

            columns = aligned_columns(comp.curves_a, comp.t_a, comp.curves_b, comp.t_b, comp.sync,
                                      list(comp.sync.angles) or None)
            return write_aligned(columns, path)

        self._run(job, "aligned data export", None, "Aligned data")

    def _run(self, job, name: str, label: str | None, what: str) -> None:
        task = self.workers.task(job, name)
        if label is not None:
            dialog = QProgressDialog(label, "Cancel", 0, 100, self.host)
            dialog.setWindowModality(Qt.WindowModality.NonModal)
            dialog.setMinimumDuration(0)
            dialog.canceled.connect(task.cancel)
            task.progress.connect(lambda d, t: dialog.setValue(int(100 * d / max(t, 1))))
            dialog.show()
            self.progress = dialog
        task.completed.connect(lambda report: self.status.saved(what, getattr(report, "path", report)))
        task.failed.connect(lambda msg: self.status.alert(f"The {name} failed: {msg}"))
        task.cancelled.connect(lambda: self.status.info(f"The {name} was cancelled; nothing was written."))
        task.finished.connect(self._done)
        self.task = task
        task.start()

    def _done(self) -> None:
        self.task = None
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
