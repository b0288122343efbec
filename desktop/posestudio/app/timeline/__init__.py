"""Angle curves against time (pyqtgraph): legend toggles curves, a cursor follows playback, clicks seek."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from posestudio.app.angles import label_for
from posestudio.core.render import PLOT_COLOURS

# more colours than the export palette needs: the timeline may show a dozen angles at once
_EXTRA = ((255, 255, 255), (255, 110, 110), (90, 200, 200), (200, 160, 100), (150, 230, 160), (255, 170, 220))
COLOURS = tuple(PLOT_COLOURS) + _EXTRA


class _ViewBox(pg.ViewBox):
    """Shift+drag selects a time range instead of panning."""

    def __init__(self, on_shift_drag):
        super().__init__()
        self._on_shift_drag = on_shift_drag

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.accept()
            x0 = self.mapSceneToView(ev.buttonDownScenePos()).x()
            x1 = self.mapSceneToView(ev.scenePos()).x()
            self._on_shift_drag(min(x0, x1), max(x0, x1))
            return
        super().mouseDragEvent(ev, axis)


class Timeline(QWidget):
    seek_requested = Signal(float)   # seconds
    range_changed = Signal(object)   # (t0, t1) seconds of the selected range, or None for the whole clip
    context_requested = Signal(float, object)  # right click: seconds, global screen position (QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.region: pg.LinearRegionItem | None = None
        self.plot = pg.PlotWidget(background=(24, 24, 26), viewBox=_ViewBox(self.set_range))
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.setLabel("left", "angle", units="°")
        item = self.plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.hideButtons()  # our own "Fit all" button replaces the small "A"
        for name in ("left", "bottom"):
            # the cursor moves every frame and its repaint touches the axes; replaying their text from a
            # QPicture each time costs tens of ms on a busy machine, a cached pixmap almost nothing
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.legend = item.addLegend(offset=(8, 4), labelTextSize="8pt", colCount=3,
                                     brush=pg.mkBrush(24, 24, 26, 190))
        self.cursor = pg.InfiniteLine(pos=0.0, angle=90, movable=True, pen=pg.mkPen((255, 230, 80), width=2),
                                      hoverPen=pg.mkPen((255, 255, 160), width=3))
        self.cursor.setZValue(10)
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.cursor.sigDragged.connect(lambda line: self.seek_requested.emit(float(line.value())))
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        # sudden changes: rings on the curves, a tooltip each (hovering the ring)
        self.marks = pg.ScatterPlotItem(symbol="o", size=14, pen=pg.mkPen(255, 80, 60, width=2),
                                        brush=pg.mkBrush(0, 0, 0, 0), hoverable=True,
                                        hoverPen=pg.mkPen(255, 160, 140, width=3),
                                        tip=lambda x, y, data: data)
        self.marks.setZValue(8)
        self.plot.addItem(self.marks, ignoreBounds=True)
        self.left_out_spans: list[pg.LinearRegionItem] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._colour_of: dict[str, tuple[int, int, int]] = {}
        self._duration = 0.0
        self._pending: tuple[np.ndarray, dict[str, np.ndarray]] | None = None

        self.fit_button = QToolButton(text="Fit all")
        self.fit_button.setToolTip("Show the whole clip and every curve")
        self.fit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fit_button.clicked.connect(self.fit_all)
        self.hint = QLabel("Click in the plot to seek; wheel zooms; Shift+drag selects a range; right-click "
                           "for more; click a legend entry to hide its curve.")
        self.hint.setStyleSheet("color: gray")
        self.warning = QLabel()
        self.warning.setStyleSheet("color: rgb(255, 120, 90)")
        self.warning.hide()
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.hint, 1)
        top.addWidget(self.warning)
        top.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

    def colour(self, name: str) -> tuple[int, int, int]:
        if name not in self._colour_of:
            self._colour_of[name] = COLOURS[len(self._colour_of) % len(COLOURS)]
        return self._colour_of[name]

    def set_duration(self, seconds: float) -> None:
        first = self._duration == 0.0 or abs(seconds - self._duration) > 1e-9
        self._duration = max(seconds, 1e-3)
        self.plot.setLimits(xMin=-0.05 * self._duration, xMax=1.05 * self._duration)
        if first:
            self.plot.setXRange(0.0, self._duration, padding=0.02)

    def clear_curves(self) -> None:
        self._pending = None
        for curve in self.curves.values():
            self.plot.removeItem(curve)
            self.legend.removeItem(curve)
        self.curves.clear()

    def set_curves(self, timestamps: np.ndarray, values: dict[str, np.ndarray], growing: bool = False,
                   upto: int | None = None) -> None:
        """Show exactly these curves; NaN samples break the line (gaps, not lines to zero).

        growing: the analysis is still adding samples. The y range then only widens, in 30 degree steps,
        instead of auto-ranging on every update: re-ranging regenerates both axes, which is most of a
        redraw's cost on the GUI thread.
        """
        if upto is not None:  # only the frames analysed so far
            timestamps, values = timestamps[:upto], {k: v[:upto] for k, v in values.items()}
        if growing:
            self._widen_y(values)
        else:
            self.plot.enableAutoRange(axis="y")
        self._pending = (timestamps, values)
        self._apply_pending()

    def _widen_y(self, values: dict[str, np.ndarray]) -> None:
        finite = [v[np.isfinite(v)] for v in values.values()]
        finite = [v for v in finite if v.size]
        if not finite:
            return
        lo = float(min(v.min() for v in finite))
        hi = float(max(v.max() for v in finite))
        y0, y1 = self.plot.getPlotItem().vb.viewRange()[1]
        auto = self.plot.getPlotItem().vb.autoRangeEnabled()[1]
        if auto or lo < y0 or hi > y1:
            self.plot.setYRange(30.0 * np.floor(lo / 30.0) - 5.0, 30.0 * np.ceil(hi / 30.0) + 5.0, padding=0)

    def _apply_pending(self) -> None:
        if self._pending is None:
            return
        timestamps, values = self._pending
        for name in [n for n in self.curves if n not in values]:
            curve = self.curves.pop(name)
            self.plot.removeItem(curve)
            self.legend.removeItem(curve)
        created = 0
        for name, y in values.items():
            curve = self.curves.get(name)
            if curve is None:
                if created:
                    continue  # one new curve (and legend entry) per event-loop turn keeps each turn short
                created += 1
                curve = self.plot.plot(name=label_for(name), pen=pg.mkPen(self.colour(name), width=2),
                                       connect="finite")
                # the cursor's repaint crosses every curve each frame: draw them from a pixmap until
                # their data or the view range changes
                curve.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                self.curves[name] = curve
            curve.setData(timestamps, y, connect="finite")
        if all(name in self.curves for name in values):
            self._pending = None
        else:
            QTimer.singleShot(0, self._apply_pending)

    # ----- selected time range (summaries) -----
    @property
    def selected_range(self) -> tuple[float, float] | None:
        if self.region is None:
            return None
        t0, t1 = self.region.getRegion()
        return float(t0), float(t1)

    def set_range(self, t0: float, t1: float) -> None:
        """Select [t0, t1] (clamped to the clip), creating the draggable region if needed."""
        t0, t1 = max(0.0, min(t0, t1)), min(self._duration, max(t0, t1))
        if self.region is None:
            self.region = pg.LinearRegionItem(values=(t0, t1), orientation="vertical",
                                              brush=pg.mkBrush(90, 160, 255, 45), hoverBrush=pg.mkBrush(90, 160, 255, 70),
                                              pen=pg.mkPen(90, 160, 255, 200, width=2))
            self.region.setZValue(5)
            self.plot.addItem(self.region, ignoreBounds=True)
            self.region.sigRegionChangeFinished.connect(lambda _r: self.range_changed.emit(self.selected_range))
        else:
            self.region.setRegion((t0, t1))
        self.range_changed.emit(self.selected_range)

    def select_middle(self) -> None:
        """A starting range the user then drags: the middle third of what is in view."""
        x0, x1 = self.plot.getPlotItem().vb.viewRange()[0]
        x0, x1 = max(x0, 0.0), min(x1, self._duration)
        third = (x1 - x0) / 3.0
        self.set_range(x0 + third, x1 - third)

    def clear_range(self) -> None:
        if self.region is not None:
            self.plot.removeItem(self.region)
            self.region = None
            self.range_changed.emit(None)

    def set_cursor(self, seconds: float) -> None:
        if not self.cursor.moving:  # the user's drag wins over playback updates
            self.cursor.setValue(seconds)

    def fit_all(self) -> None:
        self.plot.enableAutoRange(axis="y")
        self.plot.setXRange(0.0, self._duration or 1.0, padding=0.02)
        self.plot.getPlotItem().vb.updateAutoRange()

    # ----- sudden changes and what the user left out -----
    def set_marks(self, marks: list[tuple[float, float, str]]) -> None:
        """Rings at (seconds, degrees) with a tooltip each; an empty list removes them."""
        self.marks.setData([m[0] for m in marks], [m[1] for m in marks], data=[m[2] for m in marks])
        count = len(marks)
        self.warning.setVisible(bool(count))
        if count:
            self.warning.setText(f"⚠ {count} sudden change{'s' if count > 1 else ''} (red ring"
                                 f"{'s' if count > 1 else ''}): check the video there")
            self.warning.setToolTip("A curve changes faster than 1200°/s. A real movement rarely does; a model "
                                    "that drew a body part in the wrong place and then corrected itself often "
                                    "does. Ctrl+J goes to the next one. If the video shows the part was wrong, "
                                    "Shift+drag over those frames and right-click to leave it out.")

    def set_left_out(self, spans: list[tuple[float, float, str]]) -> None:
        """Grey bands over (t0, t1) seconds the user left out of the curves, each with a tooltip."""
        for item in self.left_out_spans:
            self.plot.removeItem(item)
        self.left_out_spans = []
        for t0, t1, text in spans:
            item = pg.LinearRegionItem(values=(t0, t1), orientation="vertical", movable=False,
                                       brush=pg.mkBrush(160, 160, 160, 55), pen=pg.mkPen(160, 160, 160, 120))
            item.setZValue(-10)
            item.setToolTip(text)
            self.plot.addItem(item, ignoreBounds=True)
            self.left_out_spans.append(item)

    def _on_click(self, event) -> None:
        vb = self.plot.getPlotItem().vb
        pos = event.scenePos()
        if event.button() == Qt.MouseButton.RightButton and vb.sceneBoundingRect().contains(pos):
            event.accept()
            self.context_requested.emit(float(vb.mapSceneToView(pos).x()), event.screenPos().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        if not vb.sceneBoundingRect().contains(pos):
            return  # axis, legend margin or title
        if self.legend.sceneBoundingRect().contains(pos):
            return  # legend clicks toggle curves
        seconds = float(vb.mapSceneToView(pos).x())
        self.seek_requested.emit(min(max(seconds, 0.0), self._duration))
