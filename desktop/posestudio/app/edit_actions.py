"""What the user does to the numbers beyond watching: the summary over a time range, custom angles picked
on the video, and identity fixes from a person's menu. Wired to the main window's widgets and controller."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QInputDialog, QMenu

from posestudio.app.background import LatestSaver
from posestudio.core.analysis import run as core_analysis

log = logging.getLogger(__name__)


def _save_to_cache(result) -> None:
    core_analysis.save_cached(result)


class EditActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.rename_dialog = None
        # an identity fix is saved to the analysis cache off the GUI thread (a big clip takes a while)
        self.cache_saver = LatestSaver(_save_to_cache, "Saving the edited analysis", self)
        self.cache_saver.failed.connect(self._on_save_failed)

    def on_angles(self, data) -> None:
        self.update_summary()

    def update_summary(self) -> None:
        data = self.w.angle_data
        self.w.summary.update_from(data.table if data is not None else None,
                                   list(data.values) if data is not None else [])

    def on_range(self, span) -> None:
        self.w.summary.set_range(span)
        if span is None and self.w.summary.range_button.isChecked():
            self.w.summary.range_button.setChecked(False)
        self.update_summary()

    def toggle_range(self, on: bool) -> None:
        if on and self.w.timeline.region is None:
            self.w.timeline.select_middle()
        elif not on:
            self.w.timeline.clear_range()

    # ----- custom angles -----
    def start_picking(self, count: int) -> None:
        if self.w.result is None or self.w.view.frame_index < 0:
            self.w.show_error("Open and analyse a video first, then click the keypoints on its skeleton.")
            return
        self.w.playback.pause()
        self.w.dock.show()
        self.w.picker.start(count)

    def on_picked(self, angle) -> None:
        self.w.controller.add_custom(angle)

    def rename_angle(self, name: str) -> None:
        dialog = QInputDialog(self.w)
        dialog.setWindowTitle("Rename angle")
        dialog.setLabelText(f"New name for {name}:")
        dialog.setTextValue(name)
        dialog.textValueSelected.connect(lambda new: self.w.controller.rename_custom(name, new))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # not blocking the event loop
        self.rename_dialog = dialog

    # ----- identity fixes -----
    def save_edit(self, result) -> None:
        """Keep an edited result (ids, parts left out) in the cache so reopening the clip keeps it; returns at once."""
        self.cache_saver.save(result)

    def _on_save_failed(self, _result, exc) -> None:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        self.w.show_error(f"The edit could not be saved ({reason}); it is lost when the clip is closed.")

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Let the summary and a pending cache save finish (the window is closing)."""
        done = self.w.summary.jobs.wait(timeout_ms)
        if not self.cache_saver.wait(timeout_ms):
            log.warning("The edited analysis was still being saved when the window closed")
            return False
        return done

    def person_menu(self, track_id: int, global_pos=None) -> QMenu:
        """Follow, swap or merge a person's id from the current frame on."""
        menu = QMenu(self.w)
        frame = max(self.w.playback.index, 0)
        menu.addAction(f"Follow #{track_id}", lambda: self.w.panel.select_person(track_id))
        others = [t for t in self.w.controller.track_ids() if t != track_id]
        swap = menu.addMenu(f"Swap id #{track_id} with…")
        merge = menu.addMenu(f"Merge #{track_id} into…")
        for other in others:
            swap.addAction(f"#{other}", lambda o=other: self.w.controller.fix_ids("swap", track_id, o, frame))
            merge.addAction(f"#{other}", lambda o=other: self.w.controller.fix_ids("merge", o, track_id, frame))
        for sub in (swap, merge):
            sub.setEnabled(bool(others) and self.w.analysis is None)
            sub.setToolTip(f"From frame {frame} on")
        menu.addSeparator()
        menu.addAction(self.w.undo_action)
        if global_pos is not None:
            menu.popup(global_pos)
        self.w.last_person_menu = menu
        return menu

