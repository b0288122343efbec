"""File > Export: video, data and plot of a session's clip, each through the export dialog module without
blocking the window; the numbers exported are the ones the panel's choices show.

Where files go: each kind (video, data, plot) starts in the folder its last export went to; before any, in
the clip's folder when it can be written, else the user's Videos (video) or Documents folder. Every export
names its path in the status bar and in the message bar, with an "Open folder" link."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt
from PySide6.QtWidgets import QWidget

from posestudio.app.session import ClipSession
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback
from posestudio.app.workers import Workers


class ExportActions(QObject):
    def __init__(self, session: ClipSession, workers: Workers, panel: SettingsPanel, timeline: Timeline,
                 playback: Playback, status: StatusLine, dialog_parent: QWidget, custom=None):
        super().__init__(session)
        self.custom = custom  # CustomAngles: the user's own angles are exported like the built-in ones
        self.session, self.workers, self.panel, self.timeline = session, workers, panel, timeline
        self.playback, self.status, self.dialog_parent = playback, status, dialog_parent

    def _export_ready(self) -> bool:
        if self.session.clip is None:
            self.status.error("Open a video first; there is nothing to export yet.")
            return False
        return True

    def export_video(self) -> None:
        if not self._export_ready():
            return
        from posestudio.app.export_dialog import ExportVideoDialog

        self.playback.pause()
        clip, choices = self.session.clip, self.panel.choices()
        dialog = ExportVideoDialog(
            clip.path, self.session.result, width=clip.width, height=clip.height,
            duration=float(clip.timestamps[-1]) if clip.frame_count else clip.duration,  # as the transport
            in_out=self.timeline.selected_range, smooth=choices.smoothing, show_angles=choices.labels,
            threshold=choices.threshold, person_id=self._followed(), parent=self.dialog_parent,
            workers=self.workers, custom=self._custom(), shown_angles=choices.angles, folder=self.folder("video"))
        dialog.exported.connect(lambda report: self._saved("video", "Video", report.path))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # window-modal but not blocking the event loop

    def _custom(self) -> tuple:
        return tuple(self.custom.angles) if self.custom is not None else ()

    def _followed(self) -> int | None:
        """The person whose angles the window shows (exports follow the same one), None before any."""
        data = self.session.angle_data
        return data.person if data is not None and data.person >= 0 else None

    def export_data(self) -> None:
        if not self._export_ready():
            return
        result = self.session.result
        if result is None or not result.analysed.any():
            self.status.error("There are no analysis results to export yet; wait for the analysis to finish.")
            return
        from posestudio.app.export_dialog import export_data

        choices = self.panel.choices()
        export_data(self.dialog_parent, self.workers, result, self.session.clip.path, smooth=choices.smoothing,
                    threshold=choices.threshold, person_id=self._followed(), custom=self._custom(),
                    folder=self.folder("data"), on_done=lambda path: self._saved("data", "Data", path),
                    on_failed=self.status.alert)

    def export_plot(self) -> None:
        if not self._export_ready():
            return
        from posestudio.app.export_dialog import export_plot

        name = f"{Path(self.session.clip.path).stem}_angles.png"
        path = export_plot(self.dialog_parent, self.timeline.plot.getPlotItem(), str(Path(self.folder("plot")) / name))
        if path:
            self._saved("plot", "Plot", path)

    def folder(self, kind: str) -> str:
        """Where an export of this kind starts (see the module's docstring)."""
        remembered = self.panel.settings.export_folder(kind)
        if remembered and Path(remembered).is_dir():
            return remembered
        clip_folder = Path(self.session.clip.path).parent
        if os.access(clip_folder, os.W_OK):
            return str(clip_folder)
        where = QStandardPaths.StandardLocation.MoviesLocation if kind == "video" \
            else QStandardPaths.StandardLocation.DocumentsLocation
        return QStandardPaths.writableLocation(where) or str(Path.home())

    def _saved(self, kind: str, what: str, path) -> None:
        self.panel.settings.set_export_folder(kind, str(Path(path).resolve().parent))
        self.status.saved(what, path)
