"""Angle curves against time, one row per joint (left and right overlaid), rows sharing the time axis and
the cursor; clicks seek, the wheel zooms, Shift+drag selects a range, rows can be hidden, a read-out follows
the mouse. Labels sit left of the plots and the read-out above them: nothing is drawn over the data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QScrollArea, QToolButton, QVBoxLayout, QWidget

from posestudio.app.timeline.hover import curve_values, frame_at, readout
from posestudio.app.timeline.range_select import RangeSelection
from posestudio.app.timeline.row_layout import Veiled, one_activation, place, take_out
from posestudio.app.timeline.marks import SUDDEN_TIP, marks_by_row, sudden_text
from posestudio.app.timeline.rows import ROW_MIN_HEIGHT, JointRow, row_key, row_sort_key, row_title
from posestudio.core.kinematics import DEFAULT_ANGLES
from posestudio.core.render import LEFT_RGB, RIGHT_RGB

MAIN = "main"   # the open clip's curves; compare mode adds another clip key, drawn dashed
_BUILTIN = frozenset(a.name for a in DEFAULT_ANGLES)
NEXT_ROW_MS = 5   # new rows are drawn one per event-loop turn (with the paint each brings), this far apart
SPARE_ROWS = 4    # rows made ahead, in turns of their own: a plot costs 10-15 ms, on top of its layout and paint
SPARE_MS = 150    # between two spare rows made ahead when the window shows
REFILL_MS = 1500  # after rows were taken: their layout and repaint are done by then


class _RowsView(pg.GraphicsLayoutWidget):
    def getPlotItem(self):
        """What a plot export draws (export_actions asks for it under this name): every visible row."""
        return self.ci


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(rgb)


class Timeline(RangeSelection, QWidget):
    seek_requested = Signal(float)   # seconds
    range_changed = Signal(object)   # (t0, t1) seconds of the selected range, or None for the whole clip
    context_requested = Signal(float, object)  # right click: seconds, global screen position (QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.view = self.plot = _RowsView()
        self.view.setBackground((24, 24, 26))
        self.view.ci.setSpacing(0)
        self.view.ci.setContentsMargins(2, 2, 6, 2)
        self.rows: dict[str, JointRow] = {}
        self.hidden: set[str] = set()
        self.cursor = pg.InfiniteLine(pos=0.0, angle=90)   # the cursor's time; each row draws its own line
        self.marks_shown: list[tuple] = []     # (seconds, degrees, text, angle name) of the sudden changes
        self._marks_by_row: dict[str | None, list[tuple]] = {}
        self._range: tuple[float, float] | None = None
        self._spans: list[tuple[float, float, str]] = []
        self._t = np.zeros(0)
        self._drawn: dict[str, tuple[int, tuple]] = {}   # clip -> (samples drawn, ids of the arrays drawn)
        self._duration = 0.0
        self._pending: tuple | None = None
        self._set_rows: set[str] = set()   # rows given the pending curves (set one per turn)
        self._syncing = False
        self._view_x: tuple[float, float] | None = None   # the time range in view (all rows share it)
        self._laid: list[JointRow] = []                    # the rows in the layout, in order
        self._spares: list[JointRow] = []                  # rows made ahead, not in use yet
        self._veiled = Veiled(self, NEXT_ROW_MS)           # new rows laid out, drawn one per turn
        self._spare_timer = QTimer(self)
        self._spare_timer.setSingleShot(True)
        self._spare_timer.timeout.connect(self._make_spare)

        self.fit_button = QToolButton(text="Fit all")
        self.fit_button.setToolTip("Show the whole clip and every curve")
        self.rows_button = QToolButton(text="Rows")
        self.rows_button.setToolTip("Show or hide the joints' rows")
        self.rows_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.rows_menu = QMenu(self)
        self.rows_button.setMenu(self.rows_menu)
        for button in (self.fit_button, self.rows_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fit_button.clicked.connect(self.fit_all)
        self.hint = QLabel("click: seek · wheel: zoom · Shift+drag: range · right-click: more")
        self.hint.setStyleSheet("color: gray")
        self.legend = QLabel(f"<span style='color:{_hex(LEFT_RGB)}'>━ left</span>&nbsp;&nbsp;"
                             f"<span style='color:{_hex(RIGHT_RGB)}'>━ right</span>")
        self.legend.setToolTip("Left and right of the body overlaid in each joint's row, coloured as on the video")
        self.readout = QLabel()
        self.readout.setStyleSheet("color: rgb(230, 230, 230)")
        self.warning = QLabel()
        self.warning.setStyleSheet("color: rgb(255, 120, 90)")
        self.warning.hide()
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        for widget, stretch in ((self.legend, 0), (self.readout, 1), (self.hint, 0), (self.warning, 0),
                                (self.rows_button, 0), (self.fit_button, 0)):
            top.addWidget(widget, stretch)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        self.view.scene().sigMouseClicked.connect(self._on_click)
        self.view.scene().sigMouseMoved.connect(self._on_move)

    # ----- rows -----
    def row_keys(self) -> list[str]:
        """Every row, in the order shown (hidden ones included)."""
        return sorted(self.rows, key=row_sort_key)

    def visible_rows(self) -> list[JointRow]:
        return [self.rows[k] for k in self.row_keys() if k not in self.hidden]

    def set_row_visible(self, key: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(key)
        self._relayout()

    def _relayout(self) -> None:
        """Lay out the visible rows in order: a new row is placed and the rows after it move down, staying in
        the scene; the layout is worked out once (row_layout.py)."""
        ci = self.view.ci
        shown = self.visible_rows()
        for row in self._laid:
            if all(row is not r for r in shown):
                take_out(ci, row.label)
                take_out(ci, row.plot)
        ci.layout.setColumnStretchFactor(1, 1)
        master = shown[0].plot if shown else None
        was_master = self._laid[0].plot if self._laid else None
        with one_activation(ci):
            place(ci, [cell for i, row in enumerate(shown) for cell in ((row.label, i, 0), (row.plot, i, 1))])
            for i, row in enumerate(shown):
                link = None if row.plot is master else master.vb
                if row.vb.linkedView(pg.ViewBox.XAxis) is not link:
                    row.plot.setXLink(link)
                last = i == len(shown) - 1
                axis = row.plot.getAxis("bottom")
                if axis.style["showValues"] != last:
                    axis.setStyle(showValues=last)
                    axis.setHeight(None if last else 4)
                    row.plot.setLabel("bottom", "time (s)" if last else None)
        self._laid = list(shown)
        if master is not None and self._duration and master is not was_master:
            master.setXRange(*(self._view_x or (-0.02 * self._duration, 1.02 * self._duration)), padding=0)
        self.view.setMinimumHeight(max(1, len(shown)) * ROW_MIN_HEIGHT + 24)
        # the scroll area fits the view (and shows its scroll bar) now, not after the next paint: a scroll bar
        # appearing then would narrow every row and repaint them all a second time
        QCoreApplication.sendPostedEvents(self.scroll.viewport(), QEvent.Type.LayoutRequest)
        # the layout shrinks to its items' preferred size when they change; the view only refits it on resize.
        # Done now, not in a later turn: then the rows are resized (and their axes drawn again) once, not twice
        ci.layout.activate()
        ci.setGeometry(self.view.range)
        for row in shown:
            row.settle()
        self._veiled.start()
        self.rows_menu.clear()
        for key in self.row_keys():
            action = self.rows_menu.addAction(row_title(key))
            action.setCheckable(True)
            action.setChecked(key not in self.hidden)
            action.toggled.connect(lambda on, k=key: self.set_row_visible(k, on))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if len(self._spares) < SPARE_ROWS and not self._spare_timer.isActive():
            self._spare_timer.start(SPARE_MS)

    def _make_spare(self) -> None:
        """One row made ahead of need, in a turn of its own (the timer's): when the curves come, taking it
        leaves only its layout in the busy turn."""
        if self._pending is not None:   # rows still being laid out: not now
            self._spare_timer.start(REFILL_MS)
            return
        if len(self._spares) < SPARE_ROWS:
            self._spares.append(JointRow("", self.set_range))
        if len(self._spares) < SPARE_ROWS:
            self._spare_timer.start(SPARE_MS)

    def _new_row(self, key: str) -> JointRow:
        if self._spares:
            row = self._spares.pop()
            row.set_key(key)
        else:
            row = JointRow(key, self.set_range)
        if self.isVisible():
            self._spare_timer.start(REFILL_MS)
        row.plot.setLimits(xMin=-0.05 * self._duration, xMax=1.05 * self._duration)
        row.cursor.setValue(self.cursor.value())
        row.cursor.sigDragged.connect(self._on_cursor_dragged)
        row.plot.setXRange(*(self._view_x or (-0.02 * self._duration, 1.02 * self._duration)), padding=0)  # a new row starts on the time in view
        row.vb.sigXRangeChanged.connect(lambda _vb, xr: setattr(self, "_view_x", tuple(xr)))
        self.rows[key] = row
        if self._range is not None:
            self._add_region(row, *self._range)
        row.set_spans(self._spans)
        self._apply_marks(row)
        return row

    # ----- curves -----
    @property
    def curves(self) -> dict:
        """angle name -> its curve (the open clip's), whatever row it is in."""
        return {name: c for row in self.rows.values() for (clip, name), c in row.curves.items() if clip == MAIN}

    def clear_curves(self) -> None:
        self._pending = None
        self._drawn.clear()
        for row in list(self.rows.values()):
            row.remove_clip()
            self._remove_row(row.key)
        self._relayout()

    def _remove_row(self, key: str) -> None:
        row = self.rows.pop(key)
        self._veiled.drop(row)
        for item in [i for i in (row.label, row.plot) if i in self.view.ci.items]:
            self.view.ci.removeItem(item)

    def set_curves(self, timestamps: np.ndarray, values: dict[str, np.ndarray], growing: bool = False,
                   upto: int | None = None, pyramids: dict | None = None, changed: list | None = None) -> None:
        """The open clip's curves, exactly these; NaN samples break the line. upto: only samples before it
        (the frames analysed so far). growing: the analysis is adding samples, to the same arrays. pyramids:
        name -> decimate.MinMaxPyramid of these arrays made off the GUI thread (else made here)."""
        self.set_clip_curves(MAIN, timestamps, values, growing=growing, upto=upto, pyramids=pyramids,
                             changed=changed)

    def set_clip_curves(self, clip_key: str, timestamps: np.ndarray, values: dict[str, np.ndarray],
                        growing: bool = False, upto: int | None = None, dashed: bool = False,
                        pyramids: dict | None = None, changed: list | None = None) -> None:
        """One clip's curves in the joints' rows (compare mode draws a second clip dashed in the same rows).
        When growing, only the samples after those drawn and those in the `changed` spans (start, stop) are
        worked out again (segments of the clip analysed side by side fill several places at once)."""
        count = len(timestamps) if upto is None else int(upto)
        if clip_key == MAIN:
            self._t = np.asarray(timestamps, dtype=float)
        ids = tuple((n, id(v)) for n, v in values.items())
        drawn, drawn_ids = self._drawn.get(clip_key, (0, ()))
        spans = None
        if growing:   # new arrays made with their pyramids: the spans filled in since then still count
            spans = [(max(int(a), 0), min(int(b), count)) for a, b in changed or ()]
            if ids == drawn_ids:
                spans.append((min(drawn, count), count))
        if self._pending is not None and self._pending[0] != clip_key:
            self._apply_pending(whole=True)   # another clip's rows still to set: all now
        self._pending = (clip_key, timestamps, values, growing, count, spans, dashed, pyramids)
        self._set_rows = set()
        self._drawn[clip_key] = (count, ids)
        self._apply_pending()

    def _apply_pending(self, whole: bool = False) -> None:
        if self._pending is None:
            return
        clip_key, t, values, growing, count, changed, dashed, pyramids = self._pending
        by_row: dict[str, dict[str, np.ndarray]] = {}
        for name, v in values.items():
            by_row.setdefault(row_key(name, name in _BUILTIN), {})[name] = v
        for key in [k for k, r in self.rows.items() if k not in by_row]:
            self.rows[key].remove_clip(clip_key)
            if not self.rows[key].curves:
                self._remove_row(key)
        created: list[JointRow] = []
        budget, left = (len(by_row) if whole else 1), False
        for key in sorted(by_row, key=row_sort_key):
            row = self.rows.get(key)
            if row is None:
                if created and not self._spares:
                    continue  # a row made from nothing costs 10-15 ms: one per event-loop turn
                row = self._new_row(key)
                row.update_label(list(by_row[key]))
                created.append(row)
            if growing and row.has_clip(clip_key):
                spans = changed
            elif key in self._set_rows or budget == 0:   # a row a turn: whole curves (each redraws its axes) and
                left = left or key not in self._set_rows  # a row's first ones (its label too)
                continue
            else:
                budget, spans = budget - 1, None
            self._set_rows.add(key)
            row.set_curves(clip_key, t, by_row[key], count, spans, dashed, pyramids)
            if growing:
                row.widen_y(by_row[key], spans)
            else:
                row.fit_y()
        if created:
            # laid out at once, in a turn of their own: the rows are resized (every axis drawn again) once, not per
            # new row (the first curves took 3 turns of 27-43 ms of GUI CPU); each drawn in a later turn of its own
            self._veiled.add(created)
        if not created and not left and all(key in self.rows for key in by_row):
            self._pending = None
        else:
            # the next turn makes or sets the next row; a real timer: the repaint and playback's run in between
            self._pending = (clip_key, t, values, growing, count, [], dashed, pyramids)
            QTimer.singleShot(NEXT_ROW_MS, self, self._lay_out if created else self._apply_pending)

    def _lay_out(self) -> None:
        self._relayout()
        self._apply_pending()   # the rows still to make, if any

    # ----- time axis, cursor (the selected range: range_select.py) -----
    def set_duration(self, seconds: float) -> None:
        first = self._duration == 0.0 or abs(seconds - self._duration) > 1e-9
        self._duration = max(seconds, 1e-3)
        for row in self.rows.values():
            row.plot.setLimits(xMin=-0.05 * self._duration, xMax=1.05 * self._duration)
        if first:
            self._view_x = None
            for row in self.visible_rows()[:1]:
                row.plot.setXRange(0.0, self._duration, padding=0.02)

    def set_cursor(self, seconds: float, if_visible: bool = False) -> None:
        if any(row.cursor.moving for row in self.rows.values()):
            return  # the user's drag wins over playback updates
        rows = self.visible_rows()   # if_visible (playback): a move under a device pixel would not show (rows repaint)
        if if_visible and rows and not rows[0].shows_move(self.cursor.value(), seconds, self.devicePixelRatioF()):
            return
        self.cursor.setValue(seconds)
        for row in self.rows.values():
            row.cursor.setValue(seconds)

    def _on_cursor_dragged(self, line) -> None:
        seconds = float(line.value())
        self.cursor.setValue(seconds)
        for row in self.rows.values():
            if row.cursor is not line:
                row.cursor.setValue(seconds)
        self.seek_requested.emit(seconds)

    def fit_all(self) -> None:
        for row in self.rows.values():
            row.fit_y()
        for row in self.visible_rows()[:1]:
            row.plot.setXRange(0.0, self._duration or 1.0, padding=0.02)

    # ----- sudden changes and what the user left out -----
    def set_marks(self, marks: list[tuple]) -> None:
        """Rings at (seconds, degrees, tooltip, angle name) in that angle's row; an empty list removes them."""
        self.marks_shown = [tuple(m) + (None,) * (4 - len(m)) for m in marks]
        self._marks_by_row = marks_by_row(self.marks_shown, lambda name: row_key(name, name in _BUILTIN))
        for row in self.rows.values():
            self._apply_marks(row)
        self.warning.setVisible(bool(marks))
        if marks:
            self.warning.setText(sudden_text(len(marks)))
            self.warning.setToolTip(SUDDEN_TIP)

    def _apply_marks(self, row: JointRow) -> None:
        row.set_marks(self._marks_by_row.get(None, []) + self._marks_by_row.get(row.key, []))

    @property
    def left_out_spans(self) -> list[pg.LinearRegionItem]:
        """The grey bands of the first row (each row has its own)."""
        rows = self.visible_rows() or list(self.rows.values())
        return list(rows[0].spans) if rows else []

    def set_left_out(self, spans: list[tuple[float, float, str]]) -> None:
        """Grey bands over (t0, t1) seconds the user left out of the curves, each with a tooltip."""
        if list(spans) == self._spans:
            return   # asked again with each redraw while analysing: the bands are items, made again otherwise
        self._spans = list(spans)
        for row in self.rows.values():
            row.set_spans(self._spans)

    # ----- mouse -----
    def _row_at(self, pos) -> JointRow | None:
        return next((r for r in self.visible_rows() if r.vb.sceneBoundingRect().contains(pos)), None)

    def _on_click(self, event) -> None:
        pos = event.scenePos()
        row = self._row_at(pos)
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            if row is None:  # the labels: which rows to show
                self.rows_menu.popup(event.screenPos().toPoint())
                return
            self.context_requested.emit(float(row.vb.mapSceneToView(pos).x()), event.screenPos().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton or event.double() or row is None:
            return
        seconds = float(row.vb.mapSceneToView(pos).x())
        self.seek_requested.emit(min(max(seconds, 0.0), self._duration))

    def _on_move(self, pos) -> None:
        row = self._row_at(pos)
        text = self.readout_at(float(row.vb.mapSceneToView(pos).x())) if row is not None else ""
        self.readout.setText(text)
        self.hint.setVisible(not text)  # the read-out takes the hint's place while the mouse is on a row

    def readout_at(self, seconds: float) -> str:
        """The time and each visible curve's value at that time (the frame showing then)."""
        index = frame_at(self._t, seconds)
        return readout(seconds, index, curve_values(self.visible_rows(), MAIN, index))

    def export_item(self):
        """What a plot export draws: the visible rows with their labels and axes."""
        return self.view.getPlotItem()
