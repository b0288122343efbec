"""The settings that change the numbers (model, people, confidence, smoothing): those not at their defaults
are named under the analysis settings, with one click back. They persist across clips, and another model, a
high confidence or several people otherwise change the curves without a word."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from posestudio.app.people_setting import people_for
from posestudio.app.settings import DEFAULT_MODEL, DEFAULT_THRESHOLD

DEFAULT_PEOPLE = 1


def changed_settings(model_id: str, model_name: str, people: int, threshold: float, smoothing: bool) -> list[str]:
    """The settings that are not their defaults, in words. People counts only where it applies (BlazePose):
    the other models ignore it, so naming it there would point at nothing."""
    out = []
    if model_id != DEFAULT_MODEL:
        out.append(f"model {model_name}")
    if people_for(model_id, people) is not None:
        out.append(f"{people} people followed (default {DEFAULT_PEOPLE})")
    if abs(threshold - DEFAULT_THRESHOLD) > 1e-9:
        out.append(f"confidence {threshold:.2f} (default {DEFAULT_THRESHOLD:.2f})")
    if not smoothing:
        out.append("curves not smoothed")
    return out


class DefaultsNote(QWidget):
    """"Not the defaults: ..." beside a "Reset to defaults" button; hidden while all are at their defaults."""

    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: rgb(200, 120, 0)")
        self.button = QPushButton("Reset to defaults")
        self.button.setToolTip("Model, people, confidence and smoothing back to their defaults")
        self.button.clicked.connect(self.reset_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def show_changed(self, changed: list[str]) -> None:
        self.note.setText("Not the defaults: " + "; ".join(changed) + "." if changed else "")
        self.setVisible(bool(changed))
