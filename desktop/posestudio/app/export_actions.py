"""File > Export: video, data and plot, each through the export dialog module without blocking the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt


class ExportActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window

    def _export_ready(self) -> bool:
        if self.w.clip is None:
            self.w.show_error("Open a video first; there is nothing to export yet.")
            return False
        return True

    def export_video(self) -> None:
        if not self._export_ready():
            return
        from posestudio.app.export_dialog import ExportVideoDialog

        self.w.playback.pause()
        clip = self.w.clip
        dialog = ExportVideoDialog(
            clip.path, self.w.result, width=clip.width, height=clip.height, duration=clip.duration,
            smooth=self.w.panel.smoothing_box.isChecked(), show_angles=self.w.panel.labels_box.isChecked(),
            threshold=self.w.panel.threshold,
            person_id=self._followed(), parent=self.w)
        dialog.exported.connect(lambda report: self.w.show_info(f"Exported {getattr(report, 'path', 'the video')}."))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # window-modal but not blocking the event loop

    def _followed(self) -> int | None:
        """The person whose angles the window shows (exports follow the same one), None before any."""
        data = self.w.angle_data
        return data.person if data is not None and data.person >= 0 else None

    def export_data(self) -> None:
        if not self._export_ready():
            return
        if self.w.result is None or not self.w.result.analysed.any():
            self.w.show_error("There are no analysis results to export yet; wait for the analysis to finish.")
            return
        from posestudio.app.export_dialog import export_data

        thread = export_data(self.w, self.w.result, self.w.clip.path, smooth=self.w.panel.smoothing_box.isChecked(),
                             threshold=self.w.panel.threshold, person_id=self._followed(),
                             on_done=lambda *_: self.w.show_info("Data exported."), on_failed=self.w.show_error)
        if thread is not None:
            self.w.retire(thread)

    def export_plot(self) -> None:
        if not self._export_ready():
            return
        from posestudio.app.export_dialog import export_plot

        path = export_plot(self.w, self.w.timeline.plot.getPlotItem(), f"{Path(self.w.clip.path).stem}_angles.png")
        if path:
            self.w.show_info(f"Plot saved to {path}.")

