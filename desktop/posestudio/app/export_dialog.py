"""File > Export video (range, size, overlays, progress, cancel), File > Export data, and plot image export.

Self-contained: the window creates `ExportVideoDialog(...)` and calls `.exec()` (or `.open()`), calls
`export_data(parent, workers, result, video_path)` and `export_plot(parent, plot_item)`. All writing happens in
core (atomic, cancellable); this module only collects choices and shows progress.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from posestudio.app.export_jobs import data_job, video_job
from posestudio.app.workers import TaskThread, Workers
from posestudio.core.atomic import prepare_output
from posestudio.core.errors import OutputPathError
from posestudio.core.export.video_export import VideoExportOptions, output_size
from posestudio.core.display import angle_display_name
from posestudio.core.io import formats
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
from posestudio.core.render import OverlayOptions

log = logging.getLogger(__name__)

PLOT_MAX = 4          # curves in the exported video's small plot: more would not be readable there
END_SLACK_S = 0.001   # an end typed as a frame's time includes that frame
HEIGHTS = (2160, 1440, 1080, 720, 540, 480, 360)
# save-dialog filter -> (suffix, long layout), from the one list of file formats
DATA_FILTERS = {text: (f.suffix, f.long) for text, f in formats.dialog_filters(formats.DATA).items()}


class ExportVideoDialog(QDialog):
    """Choose range, size and overlays for an annotated MP4, then watch it being written (or cancel).

    video_path / result: the open clip and its analysis (None exports without a skeleton).
    duration: the last frame's time (as the transport shows it); in_out: the range selected on the timeline
    (default: the whole clip); start and end are frame times, the end frame included.
    shown_angles: the angles the window shows: written at the joints and plotted (the first four).
    smooth / threshold / person_id: the window's smoothing, confidence threshold and followed person, so the
    clip shows the numbers the window shows.
    """

    exported = Signal(object)  # ExportReport, after the file is complete

    def __init__(self, video_path: str, result, *, width: int, height: int, duration: float,
                 in_out: tuple[float, float] | None = None, smooth: bool = True, show_angles: bool = True,
                 threshold: float = DEFAULT_MIN_SCORE, person_id: int | None = None, parent: QWidget | None = None,
                 workers: Workers | None = None, custom=(), shown_angles=None, folder: str | None = None):
        super().__init__(parent)
        # None: not opened from a window (the usual joint angles are written); a window showing no angle
        # exports none
        self.shown = tuple(shown_angles or ())
        self.labels_from_window = shown_angles is not None
        self.custom = tuple(custom)  # the user's AngleDefs: their labels and plot as in the window
        self.setWindowTitle("Export video")
        self.video_path, self.result, self.smooth = str(video_path), result, smooth
        self.threshold, self.person_id = threshold, person_id
        self.src_size = (width, height)
        self.thread: TaskThread | None = None
        self._workers = workers   # the window's, so closing it stops the export too; else the dialog's own

        name = Path(video_path).stem + "_annotated.mp4"
        self.path_edit = QLineEdit(str(Path(folder) / name if folder else Path(video_path).with_name(name)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        start, end = in_out if in_out is not None else (0.0, duration)
        self.start_spin = self._seconds(start, duration)
        self.end_spin = self._seconds(end, duration)
        self.size_combo = QComboBox()
        self.size_combo.addItem(f"Original ({width}×{height})", None)
        for h in HEIGHTS:
            if h < height:
                w, hh = output_size(width, height, h)
                self.size_combo.addItem(f"{hh}p ({w}×{hh})", hh)

        self.skeleton_box = QCheckBox("Skeleton")
        self.angles_box = QCheckBox("Angle values at the joints (those the window shows)")
        self.time_box = QCheckBox("Time stamp")
        plotted = ", ".join(angle_display_name(n) for n in self.shown[:PLOT_MAX]) or "Left knee, Right knee"
        self.plot_box = QCheckBox(f"Small angle plot ({plotted})")
        self.audio_box = QCheckBox("Sound (when the video has it)")
        for box, on in ((self.skeleton_box, True), (self.angles_box, show_angles), (self.time_box, True),
                        (self.plot_box, False), (self.audio_box, True)):
            box.setChecked(on)
        if result is None:
            for box in (self.skeleton_box, self.angles_box, self.plot_box):
                box.setChecked(False)
                box.setEnabled(False)
                box.setToolTip("Analyse the video first to draw the skeleton.")
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("optional, shown top left")

        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Start (s)", self.start_spin)
        form.addRow("End (s, included)", self.end_spin)
        form.addRow("Size", self.size_combo)
        form.addRow("Title", self.title_edit)
        overlays = QVBoxLayout()
        for box in (self.skeleton_box, self.angles_box, self.time_box, self.plot_box, self.audio_box):
            overlays.addWidget(box)
        form.addRow("Show", overlays)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self._cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._inputs = [self.path_edit, browse, self.start_spin, self.end_spin, self.size_combo, self.title_edit,
                        self.skeleton_box, self.angles_box, self.time_box, self.plot_box, self.audio_box]

    @staticmethod
    def _seconds(value: float, duration: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setRange(0.0, max(duration, 0.001))
        spin.setSingleStep(0.1)
        spin.setValue(value)
        return spin

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video", self.path_edit.text(), "MP4 video (*.mp4)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def options(self) -> VideoExportOptions:
        overlay = OverlayOptions(skeleton=self.skeleton_box.isChecked(), angles=self.angles_box.isChecked(),
                                 timestamp=self.time_box.isChecked(), plot=self.plot_box.isChecked(),
                                 title=self.title_edit.text().strip() or None, min_score=self.threshold,
                                 label_angles=self.shown if self.labels_from_window else None,
                                 plot_angles=self.shown[:PLOT_MAX])
        end = self.end_spin.value()
        # the end frame is included: the export stops just after its time (frame_range keeps t < end)
        return VideoExportOptions(start=self.start_spin.value(),
                                  end=None if end >= self.end_spin.maximum() else end + END_SLACK_S,
                                  height=self.size_combo.currentData(), overlay=overlay, smooth=self.smooth,
                                  audio=self.audio_box.isChecked(), person_id=self.person_id,
                                  custom_angles=self.custom)

    def start(self) -> None:
        out = self.path_edit.text().strip()
        if not out:
            self.message.setText("Choose where to save the clip.")
            return
        try:  # a folder in the way, no permission: say so now, not after the export ran
            prepare_output(out)
        except OutputPathError as exc:
            self.message.setText(str(exc))
            return
        if Path(out).exists() and QMessageBox.question(
                self, "Export video", f"{Path(out).name} exists. Replace it when the export is complete?") \
                != QMessageBox.StandardButton.Yes:
            return
        job = video_job(self.video_path, out, self.result, self.options())
        workers = self._workers if self._workers is not None else Workers(self)
        self.thread = workers.task(job, "export video", emit_interval=0.1)
        self.thread.progress.connect(self._on_progress)
        self.thread.completed.connect(self._on_done)
        self.thread.failed.connect(self._on_failed)
        self.thread.cancelled.connect(self._on_cancelled)
        self.thread.finished.connect(self._on_finished)
        self._set_running(True)
        self.message.setText("Exporting…")
        self.thread.start()

    def _set_running(self, running: bool) -> None:
        for w in self._inputs:
            w.setEnabled(not running)
        if not running and self.result is None:
            for box in (self.skeleton_box, self.angles_box, self.plot_box):
                box.setEnabled(False)
        self.export_button.setEnabled(not running)
        self.progress.setVisible(running)
        self.progress.setValue(0)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_done(self, report) -> None:
        self.message.setText(f"Saved {report.frames} frames to {report.path}.")
        self.exported.emit(report)
        self.accept()

    def _on_failed(self, sentence: str) -> None:
        self.message.setText(sentence)

    def _on_cancelled(self) -> None:
        self.message.setText("Export cancelled; nothing was written and any older file is untouched.")

    def _on_finished(self) -> None:
        self._set_running(False)
        self.thread = None

    def _cancel_or_close(self) -> None:
        if self.thread is not None:
            self.message.setText("Cancelling…")
            self.thread.cancel()
        else:
            self.reject()

    def closeEvent(self, event) -> None:
        if self.thread is not None:  # never leave a writer running behind a closed dialog
            self.thread.cancel()
            self.thread.wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.thread is not None:
            self._cancel_or_close()
            return
        super().reject()


def choose_data_file(parent, video_path: str, folder: str | None = None) -> tuple[str, bool] | None:
    """Ask where to save the numbers (in `folder`, else beside the video) and in which layout; returns
    (path, long) or None."""
    name = Path(video_path).with_suffix(".csv").name
    suggested = str(Path(folder) / name if folder else Path(video_path).with_suffix(".csv"))
    path, chosen = QFileDialog.getSaveFileName(parent, "Export data", suggested, ";;".join(DATA_FILTERS))
    if not path:
        return None
    ext, long = DATA_FILTERS.get(chosen, (Path(path).suffix.lower() or ".csv", False))
    if Path(path).suffix.lower() not in formats.suffixes(formats.DATA):
        path += ext
    return path, long


def export_data(parent, workers: Workers, result, video_path: str, smooth: bool = True,
                threshold: float = DEFAULT_MIN_SCORE, on_done=None, on_failed=None,
                person_id: int | None = None, custom=(), folder: str | None = None) -> TaskThread | None:
    """File > Export data: ask for a file, write it on a worker thread. Returns the task (or None)."""
    choice = choose_data_file(parent, video_path, folder)
    if choice is None or result is None:
        return None
    path, long = choice
    thread = workers.task(data_job(result, path, long=long, smooth=smooth, min_score=threshold, person_id=person_id,
                                   custom=custom),
                          "export data", emit_interval=0.1)
    if on_done is not None:
        thread.completed.connect(on_done)
    if on_failed is not None:
        thread.failed.connect(on_failed)
    thread.start()
    return thread


def export_plot(parent, plot_item, suggested: str = "angles.png") -> str | None:
    """Save a pyqtgraph PlotItem as PNG or SVG (by the chosen name), atomically. Returns the path or None."""
    from posestudio.app.errors import user_message

    path, _ = QFileDialog.getSaveFileName(parent, "Export plot", suggested, "PNG image (*.png);;SVG drawing (*.svg)")
    if not path:
        return None
    if Path(path).suffix.lower() not in (".png", ".svg"):
        path += ".png"
    try:
        write_plot(plot_item, path)
    except Exception as exc:
        log.exception("plot export failed")
        QMessageBox.warning(parent, "Export plot", user_message(exc))
        return None
    return path


def write_plot(plot_item, path: str, width: int = 1600) -> Path:
    """PNG (at `width` pixels) or SVG of a pyqtgraph PlotItem, written atomically."""
    import pyqtgraph.exporters as pgx

    from posestudio.core.atomic import atomic_path

    target = Path(path)
    with atomic_path(target) as tmp:
        if target.suffix.lower() == ".svg":
            _write_svg(plot_item, tmp)
        else:
            exporter = pgx.ImageExporter(plot_item)
            exporter.parameters()["width"] = width
            exporter.export(str(tmp))
    return target


def _write_svg(plot_item, path: Path) -> None:
    """Paint the plot's part of its scene into an SVG with Qt's own generator.

    pyqtgraph's SVGExporter fails on current Qt (its path parser expects the old 'x,y' coordinate format,
    pyqtgraph issue 3485); Qt's generator writes the same vector drawing without that step.
    """
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    source = plot_item.sceneBoundingRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("Pose Studio angles")
    painter = QPainter(generator)
    try:
        plot_item.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
