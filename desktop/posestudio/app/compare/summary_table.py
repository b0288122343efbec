"""The compare summary: for each angle, A's, B's and B minus A's min, max, range, repetitions and cadence over
the moments both clips show."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from posestudio.core.display import angle_colour, angle_display_name, number_text

COLUMNS = (("min", "Min (°)"), ("max", "Max (°)"), ("range", "Range (°)"), ("reps", "Reps"),
           ("cadence", "Cadence (/min)"))


def cell_text(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else number_text(value)


class CompareSummary(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.note = QLabel("Over the moments both clips show. '-': no value, or repetitions not credible.")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS) + 2)
        self.table.setHorizontalHeaderLabels(["Angle", "Clip"] + [title for _, title in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.rows: dict[tuple[str, str], dict[str, float]] = {}

    def show_numbers(self, numbers: dict) -> None:
        """numbers: angle -> {"A": stats, "B": stats} (jobs.make_comparison); adds the B - A rows."""
        self.rows = {}
        for name, both in numbers.items():
            a, b = both["A"], both["B"]
            self.rows[(name, "A")] = a
            self.rows[(name, "B")] = b
            self.rows[(name, "B - A")] = {k: b[k] - a[k] for k, _ in COLUMNS}
        self.table.setRowCount(len(self.rows))
        for r, ((name, clip), stats) in enumerate(self.rows.items()):
            items = [angle_display_name(name) if clip == "A" else "", clip]
            items += [cell_text(stats[k]) for k, _ in COLUMNS]
            for c, text in enumerate(items):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 0:
                    item.setForeground(QColor(*angle_colour(name)))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
