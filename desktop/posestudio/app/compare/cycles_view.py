"""The Cycles view: the followed person's movement split into cycles (gait strides or repetitions, core
cycles.person_cycles) on a worker, normalised 0-100 %, per joint the mean curve with a +-1 SD band, left
orange and right blue, B dashed in compare mode; foot contacts and toe offs marked on the timeline; a range
selected on the timeline limits the cycles to it; the table exported as CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget,
)

from posestudio.app.compare import jobs
from posestudio.app.session import ClipSession
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.workers import Workers
from posestudio.core.display import SIDE_RGB
from posestudio.core.kinematics.cycles import CYCLE_PCT, SIDES, cycle_rows

FAMILIES = ("knee", "hip", "ankle", "shoulder", "elbow")
COLUMNS = 3   # plots side by side: a dock under the timeline is wide and low


def describe(label: str, report) -> str:
    noun = "stride" if report.kind == "gait" else "repetition"
    parts = []
    for side in SIDES:
        sc = report.sides.get(side)
        n = sc.count if sc is not None else 0
        parts.append(f"{side} {n} {noun}{'' if n == 1 else 's'}"
                     + (f" ({sc.mean_duration:.2f} s)" if n else ""))
    return f"{label}: " + ", ".join(parts)


class CyclesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.header = QLabel("Open and analyse a clip to see its cycles.")
        self.header.setWordWrap(True)
        self.export_button = QPushButton("Export table…")
        self.export_button.setToolTip("CSV: clip, person, angle, cycle_pct, mean, sd, n")
        self.export_button.setEnabled(False)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground((24, 24, 26))
        self.plots.setMinimumHeight(240)   # a dock squeezed under the timeline leaves no room for a curve
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plots, 1)
        self.mean_items: dict[tuple[str, str], pg.PlotDataItem] = {}   # (clip label, angle) -> mean curve

    def show_reports(self, reports: list[tuple[str, int, object]], in_range: bool) -> None:
        self.plots.clear()
        self.mean_items = {}
        lines = [describe(label, report) for label, _pid, report in reports]
        kind = reports[0][2].kind if reports else "gait"
        what = "Gait strides (foot contact to contact of the same foot)" if kind == "gait" else "Repetitions"
        self.header.setText(f"{what}, 0-100 %, mean ± 1 SD{' in the selected range' if in_range else ''}. "
                            + "; ".join(lines) + ". Left orange, right blue" + ("; B dashed." if len(reports) > 1 else "."))
        row = 0
        for family in FAMILIES:
            names = [f"{side}_{family}" for side in SIDES]
            if not any(n in r.curves and r.curves[n].n.any() for _l, _p, r in reports for n in names):
                continue
            plot = self.plots.addPlot(row=row // COLUMNS, col=row % COLUMNS, title=family.capitalize())
            plot.setLabel("bottom", "cycle", units="%")
            plot.setLabel("left", "°")
            plot.setXRange(0, 100, padding=0.01)
            for label, _pid, report in reports:
                for name in names:
                    self._draw(plot, label, report.curves.get(name))
            row += 1
        self.export_button.setEnabled(bool(self.mean_items))

    def _draw(self, plot: pg.PlotItem, label: str, cc) -> None:
        if cc is None or not cc.n.any():
            return
        colour = SIDE_RGB[cc.side]
        style = Qt.PenStyle.DashLine if label == "B" else Qt.PenStyle.SolidLine
        ok = np.isfinite(cc.mean)
        sd = np.nan_to_num(cc.sd[ok])   # one cycle: no band
        x, m = CYCLE_PCT[ok], cc.mean[ok]
        upper, lower = pg.PlotCurveItem(x, m + sd), pg.PlotCurveItem(x, m - sd)
        band = pg.FillBetweenItem(upper, lower, brush=pg.mkBrush(*colour, 60 if label == "A" else 35))
        plot.addItem(band)
        mean = plot.plot(CYCLE_PCT, cc.mean, pen=pg.mkPen(colour, width=2, style=style), connect="finite",
                         name=f"{label} {cc.angle} (n = {int(cc.n.max())})")
        self.mean_items[(label, cc.angle)] = mean


class CyclesPresenter(QObject):
    def __init__(self, session: ClipSession, compare, workers: Workers, timeline: Timeline, status: StatusLine,
                 settings, host: QMainWindow):
        super().__init__(session)
        self.session, self.compare, self.workers, self.timeline = session, compare, workers, timeline
        self.status, self.settings, self.host = status, settings, host
        self.panel = CyclesPanel()
        self.dock = QDockWidget("Cycles", host)
        self.dock.setObjectName("cycles_panel")
        self.dock.setWidget(self.panel)
        host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.reports: list[tuple[str, int, object]] = []
        self._markers: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.runner = workers.latest(jobs.cycles, "Finding the cycles")
        self.runner.ready.connect(self._on_reports)
        self.runner.failed.connect(lambda msg: self.panel.header.setText(f"No cycles: {msg}"))
        self.panel.export_button.clicked.connect(lambda: self.export_table())
        self.dock.visibilityChanged.connect(lambda shown: shown and self.refresh())
        session.angles_changed.connect(lambda _d: self.refresh())
        session.clip_changed.connect(lambda _c: self._clear())
        timeline.range_changed.connect(lambda _r: self.refresh())
        compare.comparison_changed.connect(lambda _c: self.refresh())

    def _clear(self) -> None:
        self.reports = []
        self._clear_markers()
        self.panel.plots.clear()
        self.panel.mean_items = {}
        self.panel.export_button.setEnabled(False)

    def refresh(self) -> None:
        s = self.session
        if not self.dock.isVisible() or s.result is None or s.analysing or not s.result.analysed.all():
            return
        span = selected_range(self.timeline)
        start, end = span if span is not None else (None, None)
        data = s.angle_data
        requests = [jobs.CycleRequest(s.result, data.person if data is not None and data.person >= 0 else None,
                                      start, end, "A")]
        c, b = self.compare.comparison, self.compare.session_b
        if c is not None and b is not None and b.result is not None and c.curves_b:
            # B's cycles over the same moments: the range mapped onto B's clock
            b_start = float(c.sync.b_time(start)) if start is not None else None
            b_end = float(c.sync.b_time(end)) if end is not None else None
            requests.append(jobs.CycleRequest(b.result, c.pid_b, _finite(b_start), _finite(b_end), "B"))
        self.panel.header.setText("Finding the cycles…")
        self.runner.submit(requests)

    def _on_reports(self, reports) -> None:
        self.reports = reports
        self.panel.show_reports(reports, selected_range(self.timeline) is not None)
        self._show_markers()

    # ----- contacts and toe offs on the timeline -----
    def _clear_markers(self) -> None:
        for plot, line in self._markers:
            plot.removeItem(line)
        self._markers = []

    def _show_markers(self) -> None:
        self._clear_markers()
        report = next((r for label, _p, r in self.reports if label == "A"), None)
        if report is None or report.kind != "gait":
            return
        for side, events in report.events.items():
            colour = SIDE_RGB[side]
            for times, style, what in ((events.contacts, Qt.PenStyle.SolidLine, "contact"),
                                       (events.toe_offs, Qt.PenStyle.DotLine, "toe off")):
                for t in times:
                    for row in self.timeline.rows.values():
                        line = pg.InfiniteLine(float(t), angle=90, pen=pg.mkPen(colour, width=1, style=style))
                        line.setToolTip(f"{side} foot {what} at {t:.2f} s")
                        row.plot.addItem(line)
                        self._markers.append((row.plot, line))

    # ----- export -----
    def rows(self) -> list[list]:
        out = []
        for label, pid, report in self.reports:
            clip = self.session.clip if label == "A" else self.compare.session_b.clip
            out += cycle_rows(report, Path(clip.path).name, pid)
        return out

    def export_table(self, path: str | None = None) -> None:
        rows = self.rows()
        if not rows:
            self.status.alert("There are no cycles to export; analyse a clip with at least two cycles.")
            return
        if path is None:
            folder = str(Path(self.session.clip.path).with_suffix("")) + "_cycles.csv"
            path, _ = QFileDialog.getSaveFileName(self.host, "Export cycle table", folder, "CSV (*.csv)")
            if not path:
                return
        if Path(path).suffix.lower() != ".csv":
            path = str(Path(path).with_suffix(".csv"))

        def job(progress, cancel):
            from posestudio.core.io.compare_tables import write_cycle_table
            return write_cycle_table(rows, path)

        task = self.workers.task(job, "cycle table export")
        task.completed.connect(lambda p: self.status.saved("Cycle table", p))
        task.failed.connect(lambda msg: self.status.alert(f"The cycle table could not be written: {msg}"))
        task.start()
        self.export_task = task


def selected_range(timeline) -> tuple[float, float] | None:
    """The timeline's selected range (a method until recently, a property now)."""
    span = timeline.selected_range
    return span() if callable(span) else span


def _finite(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None
