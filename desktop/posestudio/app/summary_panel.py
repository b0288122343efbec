"""Summary table: per shown angle min, max, range of motion, mean, times of the extremes, repetitions,
and gait cadence, over the whole clip or the time range selected on the timeline. Copies as TSV.
The numbers are computed off the GUI thread by a LatestRunner (`compute_summary`); the table keeps the previous ones until the newest arrive."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
    QWidget,
)

from posestudio.app.angles import label_for
from posestudio.app.elided_label import ElidedLabel
from posestudio.app.workers import LatestRunner
from posestudio.core.display import format_time, number_text, parse_time

# (summary key, column title with its unit on a second line, decimals); t_min / t_max cells seek the video.
# Angles in whole degrees: keypoints from video do not support tenths (the CSV keeps them). Short two-line
# titles keep all eight columns in a side panel 460 px wide.
COLUMNS = (
    ("min", "Min\n(°)", 0), ("max", "Max\n(°)", 0), ("range", "Range\n(°)", 0), ("mean", "Mean\n(°)", 0),
    ("t_min", "Min at\n(s)", 2), ("t_max", "Max at\n(s)", 2), ("reps", "Reps", 0),
    ("cycles_per_min", "Reps\n(/min)", 0),
)
TIPS = ("Smallest value (degrees)", "Largest value (degrees)", "Range of motion: max minus min (degrees)",
        "Mean value (degrees)", "Time of the smallest value (seconds; click to go there)",
        "Time of the largest value (seconds; click to go there)",
        "Repetitions: peaks standing out from the movement; '-' when they move the joint too little, the curve "
        "only wobbles or its rhythm is irregular (hover the cell for why)",
        "Repetitions per minute (median peak-to-peak time); '-' when the repetitions are not credible")
TIME_KEYS = ("t_min", "t_max")
DOUBTFUL_KEYS = ("reps", "cycles_per_min")  # "-" with the reason as tooltip when not credible
SECONDS_ROLE = Qt.ItemDataRole.UserRole
LINK_COLOUR = QColor(20, 90, 200)


def _text(value, decimals: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return number_text(value, decimals)


@dataclass
class SummaryNumbers:
    shown: list[str] = field(default_factory=list)          # rows, in order
    numbers: dict[str, dict] = field(default_factory=dict)  # name -> summarise() dict
    gait: dict = field(default_factory=dict)


def compute_summary(table, names: list[str], span: tuple[float, float] | None) -> SummaryNumbers:
    """The summary of an AngleTable's shown angles over `span` (None: whole clip). Runs off the GUI thread."""
    t0, t1 = span if span is not None else (None, None)
    shown = [n for n in names if n in table]
    numbers = {n: v for n, v in table.summary(t0, t1).items() if n in shown} if shown else {}
    gait = table.gait(t0, t1) if "left_knee" in table and "right_knee" in table else {}
    return SummaryNumbers(shown, numbers, gait)


def gait_text(gait: dict) -> str:
    """The gait line: steps and cadence when the knees show a walk or run, '-' when their peaks do not make
    one (the reason is the tooltip), nothing when no knee peak was found."""
    if gait.get("gait") and gait.get("steps"):
        cadence = gait.get("cadence_spm", float("nan"))
        return (f"Gait: {gait['steps']} steps" + (f", cadence {cadence:.0f} steps/min" if math.isfinite(cadence)
                                                  else ""))
    return "Gait: - (hover for why)" if gait.get("doubt") else ""


class SummaryPanel(QWidget):
    seek_requested = Signal(float)        # seconds: a time-of-min/max cell was clicked
    select_range_toggled = Signal(bool)   # the "Select range" button
    clear_range_requested = Signal()
    range_typed = Signal(float, float)    # seconds typed in the From / To fields

    def __init__(self, jobs: LatestRunner, parent: QWidget | None = None):
        """jobs: a LatestRunner of compute_summary (the window's workers make it)."""
        super().__init__(parent)
        self.range: tuple[float, float] | None = None
        self.numbers: dict[str, dict] = {}
        self.gait: dict = {}
        self.scope = ElidedLabel("Whole clip")
        self.scope.setStyleSheet("color: gray")
        self.range_button = QToolButton(text="Select range")
        self.range_button.setCheckable(True)
        self.range_button.setToolTip("Summarise a time range: type its start and end, or Shift+drag on the plot")
        self.range_button.toggled.connect(self.select_range_toggled)
        self.clear_button = QToolButton(text="Whole clip")
        self.clear_button.setToolTip("Forget the selected range and summarise the whole clip")
        self.clear_button.clicked.connect(self.clear_range_requested)
        self.clear_button.setEnabled(False)
        self.copy_button = QToolButton(text="Copy")
        self.copy_button.setToolTip("Copy the table as tab-separated text, ready to paste in a spreadsheet (Ctrl+C)")
        self.copy_button.clicked.connect(self.copy)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.scope, 1)
        for button in (self.range_button, self.clear_button, self.copy_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            top.addWidget(button)

        # a typed range: start and end as the transport writes times (or plain seconds)
        self.from_edit, self.to_edit = QLineEdit(), QLineEdit()
        range_row = QHBoxLayout()
        range_row.setContentsMargins(0, 0, 0, 0)
        for text, edit in (("From", self.from_edit), ("to", self.to_edit)):
            edit.setPlaceholderText("0:01.500")
            edit.setToolTip("A time such as 1.5 or 0:01.500; Enter applies")
            edit.returnPressed.connect(self._on_typed_range)
            range_row.addWidget(QLabel(text))
            range_row.addWidget(edit, 1)
        self.range_note = ElidedLabel()
        self.range_note.setStyleSheet("color: rgb(200, 60, 40)")
        range_row.addWidget(self.range_note, 1)
        self.range_row = QWidget()
        self.range_row.setLayout(range_row)
        self.range_row.setVisible(False)
        self.range_button.toggled.connect(self.range_row.setVisible)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for _, title, _ in COLUMNS])
        for col, tip in enumerate(TIPS):
            self.table.horizontalHeaderItem(col).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._fit_columns()
        self.table.setToolTip("Click a time of min or max to go to that frame")
        self.table.cellClicked.connect(self._on_cell)
        copy_action = QAction("Copy", self.table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy)
        self.table.addAction(copy_action)
        self.gait_label = ElidedLabel()
        self.gait_label.setStyleSheet("color: gray")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.range_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.gait_label)
        self.jobs = jobs
        self.jobs.ready.connect(self._show)
        self.jobs.failed.connect(self._on_failed)

    def _fit_columns(self) -> None:
        """Columns as wide as their title's longest line or the widest number it holds, plus a small margin:
        fitting to contents adds the style's generous padding and pushes the last columns out of a 460 px
        side panel at 1280x720."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        header.setMinimumSectionSize(10)
        for col, (_key, title, decimals) in enumerate(COLUMNS):
            widest = f"{-188.888:.{decimals}f}" if decimals else "-188"
            width = max(metrics.horizontalAdvance(text) for text in title.split("\n") + [widest])
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, width + 8)
        header.setStretchLastSection(True)

    def set_range(self, span: tuple[float, float] | None) -> None:
        self.range = span
        self.scope.setText("Whole clip" if span is None else f"{span[0]:.2f} s to {span[1]:.2f} s")
        self.clear_button.setEnabled(span is not None)
        if span is not None:
            self.from_edit.setText(format_time(span[0]))
            self.to_edit.setText(format_time(span[1]))
            self.range_note.setText("")

    def _on_typed_range(self) -> None:
        try:
            t0, t1 = parse_time(self.from_edit.text()), parse_time(self.to_edit.text())
        except ValueError as exc:
            self.range_note.setText(str(exc))
            return
        if t1 <= t0:
            self.range_note.setText("The end must come after the start.")
            return
        self.range_note.setText("")
        self.range_typed.emit(t0, t1)

    @property
    def pending(self) -> bool:
        """True while numbers for the newest angles or range are being computed."""
        return self.jobs.pending

    def update_from(self, table, names: list[str]) -> None:
        """Numbers for the shown angles of an AngleTable (None: nothing to summarise) over the current range.
        They are computed in the background; the table shows them when they arrive."""
        if table is None:
            self.jobs.cancel()  # nothing to compute; a result still on its way is dropped
            self._show(SummaryNumbers())
            return
        self.jobs.submit(table, list(names), self.range)

    def _on_failed(self, _message: str) -> None:
        self.gait_label.setText("The summary could not be computed; the details are in the log file.")

    def _show(self, found: SummaryNumbers) -> None:
        shown = found.shown
        self.numbers, self.gait = found.numbers, found.gait
        if self.table.rowCount() != len(shown):
            self.table.setRowCount(len(shown))
        labels = [label_for(n) for n in shown]
        if labels != [self.table.verticalHeaderItem(r).text() if self.table.verticalHeaderItem(r) else None
                      for r in range(len(shown))]:
            self.table.setVerticalHeaderLabels(labels)
        # a row header sized to its contents measures every row again for each cell set (12 ms for the 48 cells
        # that change when an analysis ends, 0.15 ms with it fixed meanwhile); it measures once when put back
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        try:
            self._fill(shown)
        finally:
            rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        gait, note = gait_text(self.gait), self.gait.get("doubt") or ""
        if (gait, note) != (self.gait_label.text(), self.gait_label._note):   # a new tooltip costs ms
            self.gait_label.setText(gait)
            self.gait_label.set_note(note)

    def _fill(self, shown: list[str]) -> None:
        for row, name in enumerate(shown):
            values = self.numbers[name]
            for col, (key, _title, decimals) in enumerate(COLUMNS):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(row, col, item)
                value = values.get(key)
                doubt = values.get("reps_doubt" if key == "reps" else "rate_doubt") \
                    if key in DOUBTFUL_KEYS else None
                # only what changed is set: each setter tells the view, and while analysing the numbers
                # come every few seconds with most cells as they were
                text = "-" if doubt else _text(value, decimals)
                if item.text() != text:
                    item.setText(text)
                if item.toolTip() != (doubt or ""):
                    item.setToolTip(doubt or "")
                is_time = key in TIME_KEYS and value is not None and math.isfinite(value)
                seconds = float(value) if is_time else None
                if item.data(SECONDS_ROLE) != seconds:
                    item.setData(SECONDS_ROLE, seconds)
                font = item.font()
                if font.underline() != is_time:
                    font.setUnderline(is_time)  # looks like a link: a click goes to that time
                    item.setFont(font)
                    if is_time:
                        item.setForeground(LINK_COLOUR)

    def _on_cell(self, row: int, col: int) -> None:
        item = self.table.item(row, col)
        seconds = item.data(SECONDS_ROLE) if item is not None else None
        if seconds is not None:
            self.seek_requested.emit(float(seconds))

    def tsv(self) -> str:
        """The table as tab-separated lines with a header row (what a spreadsheet pastes as cells)."""
        header = ["Angle"] + [title.replace("\n", " ") for _, title, _ in COLUMNS]
        lines = ["\t".join(header)]
        for row in range(self.table.rowCount()):
            cells = [self.table.verticalHeaderItem(row).text()]
            cells += [self.table.item(row, col).text() if self.table.item(row, col) else ""
                      for col in range(self.table.columnCount())]
            lines.append("\t".join(cells))
        if self.gait_label.text():
            lines.append(self.gait_label.text())
        return "\n".join(lines) + "\n"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.tsv())
