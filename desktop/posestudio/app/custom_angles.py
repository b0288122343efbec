"""The user's own angles: the list (shared with the command line through a JSON file), adding one by clicking
keypoints on the video, renaming and deleting from the panel's angle list."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QInputDialog, QWidget

from posestudio.app.angle_picker import AnglePicker
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.transport import Playback
from posestudio.app.video_view import VideoView
from posestudio.core.kinematics import make_angle
from posestudio.core.kinematics.custom_store import load_custom_angles, save_custom_angles

log = logging.getLogger(__name__)


class CustomAngles(QObject):
    changed = Signal(tuple)   # the AngleDefs after an add, rename or delete

    def __init__(self, settings: Settings, panel: SettingsPanel, status: StatusLine, parent: QObject | None = None):
        super().__init__(parent)
        self.settings, self.panel, self.status = settings, panel, status
        self.angles = load_custom_angles()
        panel.set_custom_angles(self.angles)
        panel.delete_angle_requested.connect(self.delete)

    def taken_names(self) -> set[str]:
        from posestudio.app.angles import definitions

        return set(definitions(self.angles))

    def _changed(self, message: str) -> None:
        try:
            save_custom_angles(self.angles)
        except OSError as exc:
            log.warning("Saving custom angles failed", exc_info=True)
            self.status.error(f"The custom angles could not be saved ({exc.strerror or exc}); "
                              "check that the settings folder is writable.")
        self.panel.set_custom_angles(self.angles)
        self.changed.emit(tuple(self.angles))
        self.status.info(message)

    def add(self, angle) -> None:
        self.angles.append(angle)
        self.settings.angles = [n for n in self.settings.angles if n != angle.name] + [angle.name]
        self._changed(f"Added the angle {angle.name}; it is saved for the next sessions and the command line.")

    def rename(self, old: str, new: str) -> bool:
        new = new.strip()
        if new == old:
            return True
        angle = next((a for a in self.angles if a.name == old), None)
        if angle is None:
            return False
        if new in self.taken_names():
            self.status.error(f"'{new}' is already an angle; pick another name.")
            return False
        try:
            renamed = make_angle(new, angle.kind, angle.keypoints, offset=angle.offset)
        except Exception as exc:  # InvalidAngleError: one sentence
            self.status.error(str(exc))
            return False
        self.angles = [renamed if a.name == old else a for a in self.angles]
        self.settings.angles = [new if n == old else n for n in self.settings.angles]
        self._changed(f"Renamed {old} to {new}.")
        return True

    def delete(self, name: str) -> None:
        self.angles = [a for a in self.angles if a.name != name]
        self.settings.angles = [n for n in self.settings.angles if n != name]
        self._changed(f"Deleted the angle {name}.")


class AngleDefining(QObject):
    """Starts picking keypoints on the video (panel button, Analysis menu) and asks for new names."""

    def __init__(self, session: ClipSession, custom: CustomAngles, picker: AnglePicker, view: VideoView,
                 playback: Playback, dock: QDockWidget, panel: SettingsPanel, status: StatusLine,
                 dialog_parent: QWidget):
        super().__init__(custom)
        self.session, self.custom, self.picker, self.view = session, custom, picker, view
        self.playback, self.dock, self.status, self.dialog_parent = playback, dock, status, dialog_parent
        self.rename_dialog: QInputDialog | None = None
        picker.finished.connect(custom.add)
        picker.cancelled.connect(lambda: status.info("No angle added."))
        panel.add_angle_requested.connect(self.start_picking)
        panel.rename_angle_requested.connect(self.rename)
        session.clip_changed.connect(lambda _c: picker.cancel())

    def start_picking(self, mode: str) -> None:
        """mode: a key of angle_picker.MODES."""
        if self.session.result is None or self.view.frame_index < 0:
            self.status.error("Open and analyse a video first, then click the keypoints on its skeleton.")
            return
        self.playback.pause()
        self.dock.show()
        self.picker.start(mode)

    def rename(self, name: str) -> None:
        dialog = QInputDialog(self.dialog_parent)
        dialog.setWindowTitle("Rename angle")
        dialog.setLabelText(f"New name for {name}:")
        dialog.setTextValue(name)
        dialog.textValueSelected.connect(lambda new: self.custom.rename(name, new))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # not blocking the event loop
        self.rename_dialog = dialog
