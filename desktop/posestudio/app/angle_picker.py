"""Defining a custom angle by clicking keypoints on the video: the bar in the side panel that guides it."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from posestudio.core.kinematics import InvalidAngleError, make_angle

PICK_RADIUS_PX = 25.0   # on screen: a click this close to a joint picks it
KIND_FOR_COUNT = {3: "three_point", 4: "segment_pair"}


def nearest_keypoint(view, point: QPointF, radius_px: float = PICK_RADIUS_PX) -> tuple[int, float, float] | None:
    """(keypoint index, x, y) of the drawn joint nearest to an image point, within radius_px on screen.
    Confident joints win over faded ones."""
    names = getattr(view.overlay.keypoint_set, "names", ())
    if not names:
        return None
    click = view.map_from_image(point.x(), point.y())
    best, best_d = None, math.inf
    for _track, kp in view.overlay.people:
        for i, (x, y, score) in enumerate(np.asarray(kp, dtype=float)[:, :3]):
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            screen = view.map_from_image(x, y)
            d = math.hypot(screen.x() - click.x(), screen.y() - click.y())
            if not (score >= view.overlay.threshold):
                d += radius_px / 2  # a faded joint only wins when clearly nearer
            if d < best_d:
                best, best_d = (i, float(x), float(y)), d
    return best if best_d <= radius_px else None


class AnglePicker(QWidget):
    """Collects 3 or 4 keypoint names from clicks, then a name; emits the validated AngleDef."""

    finished = Signal(object)   # AngleDef
    cancelled = Signal()
    changed = Signal()          # the picked points changed (redraw the overlay)

    def __init__(self, view, taken_names=lambda: set(), parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self._taken_names = taken_names
        self.count = 0
        self.picked: list[tuple[str, float, float]] = []   # keypoint name, x, y
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name, e.g. arm_to_trunk")
        self.name_edit.returnPressed.connect(self.accept)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop defining the angle (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        self.hint.setStyleSheet("QLabel { color: #8a5a00; font-weight: bold; }")
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing() + 4)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                                 context=Qt.ShortcutContext.WindowShortcut)
        self.hide()

    @property
    def active(self) -> bool:
        return self.view.picking

    def start(self, count: int) -> None:
        self.count = count
        self.picked = []
        self.name_edit.clear()
        self.view.set_picking(True)
        self.view.setCursor(Qt.CursorShape.CrossCursor)
        self._update()
        self.show()
        self.changed.emit()

    def pick_at(self, point: QPointF) -> bool:
        """Take the joint nearest to an image point; False (and a hint) when none is close enough."""
        if not self.active or len(self.picked) >= self.count:
            return False
        found = nearest_keypoint(self.view, point)
        if found is None:
            self.hint.setText(self._prompt() + " No joint there: click on a joint of the skeleton.")
            return False
        index, x, y = found
        self.picked.append((self.view.overlay.keypoint_set.names[index], x, y))
        self._update()
        self.changed.emit()
        if len(self.picked) == self.count:
            self.name_edit.setFocus()
        return True

    def overlay_points(self) -> list[tuple[float, float, str]]:
        return [(x, y, f"{i + 1} {name}") for i, (name, x, y) in enumerate(self.picked)]

    def _prompt(self) -> str:
        n = len(self.picked)
        if n >= self.count:
            return "Name the angle and press Enter (Esc cancels)."
        if self.count == 3:
            what = ("the first end point", "the joint (the angle's vertex)", "the other end point")[n]
        else:
            what = ("the start of the first segment", "the end of the first segment",
                    "the start of the second segment", "the end of the second segment")[n]
        return f"Click {what} on the video ({n + 1} of {self.count}); Esc cancels."

    def _update(self) -> None:
        self.hint.setText(self._prompt())
        done = len(self.picked) == self.count
        self.name_edit.setEnabled(done)
        self.add_button.setEnabled(done)

    def accept(self) -> None:
        if len(self.picked) != self.count:
            return
        name = self.name_edit.text().strip()
        if name in self._taken_names():
            self.hint.setText(f"'{name}' is already an angle; pick another name.")
            return
        try:
            angle = make_angle(name, KIND_FOR_COUNT[self.count], [p[0] for p in self.picked])
        except InvalidAngleError as exc:
            self.hint.setText(str(exc))
            return
        self._stop()
        self.finished.emit(angle)

    def cancel(self) -> None:
        if self.active:
            self._stop()
            self.cancelled.emit()

    def _stop(self) -> None:
        self.view.set_picking(False)
        self.view.unsetCursor()
        self.picked = []
        self.hide()
        self.changed.emit()
