"""A one-line label that never widens its window: a text longer than the room it has is cut with "…" and
shown whole in its tooltip (Qt's QLabel asks for its whole text's width as its minimum)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 8):
        super().__init__(parent)
        self._min_chars = min_chars
        self._note = ""
        # wants its whole text, can shrink to a few characters (then cut, with the text as tooltip)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._update_tip()

    def set_note(self, note: str) -> None:
        """A tooltip that says more than the text (why a value is missing); kept whether or not it is cut."""
        self._note = note
        self._update_tip()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().averageCharWidth() * self._min_chars, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance(self.text()) + 4, super().sizeHint().height())

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        # the whole text as tooltip only when it does not fit (a tooltip repeating the label is noise)
        whole = self.text() if self.text() and self.is_elided() else ""
        self.setToolTip("\n".join(part for part in (whole, self._note) if part))

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
