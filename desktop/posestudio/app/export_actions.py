"""File > Export: video, data and plot of a session's clip, each through the export dialog module without
blocking the window; the numbers exported are the ones the panel's choices show."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
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
            workers=self.workers, custom=self._custom(), shown_angles=choices.angles)
        dialog.exported.connect(lambda report: self.status.info(f"Exported {getattr(report, 'path', 'the video')}."))
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
                    on_done=lambda *_: self.status.info("Data exported."), on_failed=self.status.error)

    def export_plot(self) -> None:
        if not self._export_ready():
            return
        from posestudio.app.export_dialog import export_plot

        path = export_plot(self.dialog_parent, self.timeline.plot.getPlotItem(),
                           f"{Path(self.session.clip.path).stem}_angles.png")
        if path:
            self.status.info(f"Plot saved to {path}.")
