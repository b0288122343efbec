"""Defining a custom angle by clicking keypoints on the video: the bar in the side panel that guides it.

Four kinds, as the command line knows them; an angle at a joint is a flexion angle like the built-in knees and
elbows (0 = straight, grows as the joint bends), stored as the two segments that meet there. The value on
the frame shown is previewed while the name is typed; an offset can be subtracted."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from posestudio.core.display import angle_value_text
from posestudio.core.kinematics import InvalidAngleError, compute_angles, make_angle

PICK_RADIUS_PX = 25.0   # on screen: a click this close to a joint picks it


class Mode:
    def __init__(self, clicks: int, kind: str, menu: str, example: str, steps: tuple[str, ...]):
        self.clicks, self.kind, self.menu, self.example, self.steps = clicks, kind, menu, example, steps

    def keypoints(self, names: list[str]) -> list[str]:
        # a joint's flexion: the segment into the joint against the segment out of it (as the built-ins)
        return [names[0], names[1], names[1], names[2]] if self.clicks == 3 else list(names)


MODES = {
    "joint": Mode(3, "segment_pair", "Flexion at a joint (click 3 keypoints; 0 = straight)…", "left_wrist_flexion",
                  ("the first end point", "the joint", "the other end point")),
    "segments": Mode(4, "segment_pair", "Angle between two segments (click 4 keypoints)…", "arm_to_trunk",
                     ("the start of the first segment", "the end of the first segment",
                      "the start of the second segment", "the end of the second segment")),
    "horizontal": Mode(2, "segment", "Segment against the horizontal (click 2 keypoints)…", "left_foot_slope",
                       ("the segment's start", "the segment's end")),
    "vertical": Mode(2, "vertical", "Segment against the vertical (click 2 keypoints)…", "neck_tilt",
                     ("the segment's lower end", "the segment's upper end")),
}


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
    """Collects the keypoints of one of MODES from clicks, then a name; emits the validated AngleDef."""

    finished = Signal(object)   # AngleDef
    cancelled = Signal()
    changed = Signal()          # the picked points changed (redraw the overlay)

    def __init__(self, view, taken_names=lambda: set(), parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self._taken_names = taken_names
        self.mode = MODES["joint"]
        self.picked: list[tuple[str, float, float]] = []   # keypoint name, x, y
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.preview = QLabel()
        self.name_edit = QLineEdit()
        self.name_edit.returnPressed.connect(self.accept)
        self.offset_spin = QDoubleSpinBox()
        self.offset_spin.setRange(-360.0, 360.0)
        self.offset_spin.setDecimals(1)
        self.offset_spin.setSuffix("°")
        self.offset_spin.setPrefix("minus ")
        self.offset_spin.setToolTip("A constant subtracted from the angle (the built-in ankle subtracts 90°)")
        self.offset_spin.valueChanged.connect(lambda _v: self._show_preview())
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
        details = QHBoxLayout()
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.preview, 1)
        details.addWidget(QLabel("Offset"))
        details.addWidget(self.offset_spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.hint)
        layout.addLayout(details)
        layout.addLayout(row)
        self.hint.setStyleSheet("QLabel { color: #8a5a00; font-weight: bold; }")
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing() + 4)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                                 context=Qt.ShortcutContext.WindowShortcut)
        self.hide()

    @property
    def active(self) -> bool:
        return self.view.picking

    @property
    def count(self) -> int:
        return self.mode.clicks

    def start(self, mode: str) -> None:
        """mode: a key of MODES."""
        self.mode = MODES[mode]
        self.picked = []
        self.name_edit.clear()
        self.name_edit.setPlaceholderText(f"name, e.g. {self.mode.example}")
        self.offset_spin.setValue(0.0)
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
        """Numbered markers; a point clicked twice carries both numbers in one label (no stacked labels),
        and the names are in the panel's hint, not on the video where they covered each other."""
        merged: dict[tuple[float, float], list[str]] = {}
        for i, (_name, x, y) in enumerate(self.picked):
            merged.setdefault((round(x, 1), round(y, 1)), []).append(str(i + 1))
        return [(x, y, ",".join(numbers)) for (x, y), numbers in merged.items()]

    def _prompt(self) -> str:
        n = len(self.picked)
        chosen = ", ".join(f"{i + 1} {name}" for i, (name, _x, _y) in enumerate(self.picked))
        chosen = f" Picked: {chosen}." if chosen else ""
        if n >= self.count:
            return "Name the angle and press Enter (Esc cancels)." + chosen
        return f"Click {self.mode.steps[n]} on the video ({n + 1} of {self.count}); Esc cancels." + chosen

    def _update(self) -> None:
        self.hint.setText(self._prompt())
        done = len(self.picked) == self.count
        self.name_edit.setEnabled(done)
        self.add_button.setEnabled(done)
        self._show_preview()

    def _definition(self, name: str):
        return make_angle(name, self.mode.kind, self.mode.keypoints([p[0] for p in self.picked]),
                          offset=self.offset_spin.value())

    def _show_preview(self) -> None:
        """The new angle's value on the frame shown, for the person whose joints were clicked."""
        self.preview.setText("")
        if len(self.picked) != self.count:
            return
        people = self.view.overlay.people
        ks = self.view.overlay.keypoint_set
        x, y = self.picked[0][1], self.picked[0][2]
        kp = next((k for k in (np.asarray(k, dtype=float) for _t, k in people)
                   if np.any(np.isclose(k[:, 0], x) & np.isclose(k[:, 1], y))), None)
        if kp is None or ks is None:
            return
        try:
            value = compute_angles(kp[None], ks.names, [self._definition("preview")], min_score=0.0)["preview"][0]
        except (InvalidAngleError, ValueError):
            return
        self.preview.setText(f"Now: {angle_value_text(value)}" if np.isfinite(value) else "Now: not measurable")

    def accept(self) -> None:
        if len(self.picked) != self.count:
            return
        name = self.name_edit.text().strip()
        if name in self._taken_names():
            self.hint.setText(f"'{name}' is already an angle; pick another name.")
            return
        try:
            angle = self._definition(name)
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
