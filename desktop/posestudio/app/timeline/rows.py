"""One timeline row per joint: its plot, its curves (left and right overlaid, one set per clip) and a short
label outside the plot area. Which row an angle goes to and the colour it gets: the video's rule (left
orange, right blue, angles of the body's centre grey then green)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from posestudio.app.timeline.decimate import MinMaxPyramid
from posestudio.core.models.skeleton import side_of
from posestudio.core.render import CENTER_RGB, LEFT_RGB, RIGHT_RGB

ROW_ORDER = ("knee", "hip", "ankle", "elbow", "shoulder", "trunk", "thigh", "shank", "foot", "upper_arm",
             "forearm")
CUSTOM_ROW = "custom"
CENTRE_COLOURS = (CENTER_RGB, (120, 220, 90), (230, 90, 200), (250, 220, 60))
MIN_COLUMNS = 200     # pixel columns a curve is drawn for before its plot has a width
ROW_MIN_HEIGHT = 64   # pixels: below this a row's curves cannot be read
SPARE_ITEMS = 2       # curve items a row made ahead keeps ready: a joint's left and right


def side(name: str) -> str:
    """left, right or center."""
    return side_of(name)


def left_first(name: str) -> tuple:
    """Sort key of angle names: left, then right, then the rest, each by name (a row's curves, label, read-out)."""
    return side(name) != "left", side(name) != "right", name


def family(name: str) -> str:
    s = side(name)
    if s == "center":
        return name
    return name[len(s) + 1:] if name.startswith(s + "_") else name[:-len(s) - 1]


def row_key(name: str, builtin: bool = True) -> str:
    """The row an angle is drawn in: its joint ('knee' for left_knee and right_knee), 'trunk' for the trunk's
    angles, 'custom' for an angle the user made of the body's centre."""
    f = family(name)
    if f.startswith("trunk"):
        return "trunk"
    if not builtin and side(name) == "center":
        return CUSTOM_ROW
    return f


def row_sort_key(key: str) -> tuple[int, str]:
    if key in ROW_ORDER:
        return ROW_ORDER.index(key), ""
    return (len(ROW_ORDER) + (1 if key == CUSTOM_ROW else 0), key)


def row_title(key: str) -> str:
    return key.replace("_", " ").capitalize()


class ViewBox(pg.ViewBox):
    """Shift+drag selects a time range instead of panning."""

    def __init__(self, on_shift_drag):
        super().__init__(enableMenu=False)   # the plots have no context menu: not built (a few ms a row)
        self._on_shift_drag = on_shift_drag

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.accept()
            x0 = self.mapSceneToView(ev.buttonDownScenePos()).x()
            x1 = self.mapSceneToView(ev.scenePos()).x()
            self._on_shift_drag(min(x0, x1), max(x0, x1))
            return
        super().mouseDragEvent(ev, axis)


def empty_curve_item(plot: pg.PlotItem) -> pg.PlotCurveItem:
    item = pg.PlotCurveItem(connect="finite")
    # the cursor's repaint crosses every curve each frame: drawn from a pixmap until it changes
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.addItem(item, ignoreBounds=True)   # the rows set their ranges themselves
    return item


class Curve:
    """One angle's curve, drawn for the time in view at most about two points per pixel column (decimate.py),
    again when the view moves or samples arrive: the cost follows the plot's width, not the clip's length.
    Zoomed out, where a column holds several samples, each column's min and max are joined by a 1-pixel line:
    Qt draws wider lines two to three times slower, and the joins fill the band between the mins and maxes anyway."""

    def __init__(self, plot: pg.PlotItem, colour, dashed: bool, item: pg.PlotCurveItem | None = None):
        """item: one made ahead in the plot (a spare row's, JointRow._spare_items), else made here."""
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        self.plot, self.pen = plot, pg.mkPen(colour, width=2, style=style)
        self.thin_pen = pg.mkPen(colour, width=1, style=style)
        self.colour = colour
        self.item = item if item is not None else empty_curve_item(plot)
        self.item.setPen(self.pen)
        self.pyramid: MinMaxPyramid | None = None
        self.t = self.y = np.zeros(0)
        self.count = 0

    def set_data(self, t: np.ndarray, y: np.ndarray, count: int, changed: list | None = None,
                 pyramid: MinMaxPyramid | None = None) -> None:
        """Show samples [0, count). changed: when the arrays are those shown (the analysis fills them in
        place), the spans (start, stop) of samples changed since they were drawn, besides those past the
        count drawn; None: all of them may have. `pyramid`: these arrays' pyramid, made off the GUI thread and
        right for the samples below its count but for the `changed` spans (filled in since it was made)."""
        p = self.pyramid
        if pyramid is not None and pyramid.t is t and pyramid.y is y:
            fresh = pyramid is not p
            self.pyramid = pyramid
            pyramid.update(count, changed or ())
        elif p is None or p.t is not t or p.y is not y or changed is None:
            self.pyramid, fresh = MinMaxPyramid(t, y, count), True
        else:
            fresh = False
            p.update(count, changed)
        spans = [] if changed is None else [(a, min(b, count)) for a, b in changed]
        spans.append((self.count, count))
        shrank = count < self.count
        self.t, self.y, self.count = t, y, count
        if not (fresh or changed is None or shrank or any(self._in_view(a, b) for a, b in spans)):
            return   # no changed sample in view (zoomed in on another part while analysing)
        self.redraw()

    def _in_view(self, start: int, stop: int) -> bool:
        """Whether samples [start, stop) reach the view and a margin: one block drawn at an edge may span it."""
        if stop <= start:
            return False
        (x0, x1), _ = self.plot.getViewBox().viewRange()
        margin = 0.05 * (x1 - x0)
        return bool(self.t[start] <= x1 + margin and self.t[stop - 1] >= x0 - margin)

    def redraw(self) -> None:
        if self.pyramid is None:
            return
        vb = self.plot.getViewBox()
        (x0, x1), _ = vb.viewRange()
        x, low, high = self.pyramid.view(x0, x1, max(int(vb.width()), MIN_COLUMNS))
        if high is None:
            self.item.setData(x, low, pen=self.pen, connect="finite")
            return
        y = np.empty(2 * len(x))
        y[0::2], y[1::2] = low, high
        self.item.setData(np.repeat(x, 2), y, pen=self.thin_pen, connect="finite")

    def bounds(self) -> tuple[float, float]:
        return self.pyramid.bounds() if self.pyramid is not None else (float("nan"), float("nan"))

    def getOriginalDataset(self):
        return self.t[:self.count], self.y[:self.count]

    def value_at(self, index: int) -> float:
        return float(self.y[index]) if 0 <= index < self.count else float("nan")

    def remove(self) -> None:
        self.plot.removeItem(self.item)


class JointRow:
    """A plot for one joint: curves keyed (clip, angle name), a cursor line, range, marks, left-out bands."""

    def __init__(self, key: str, on_shift_drag):
        self.key = key
        self.plot = pg.PlotItem(viewBox=ViewBox(on_shift_drag))
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.getAxis("left").setWidth(40)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)  # seconds and degrees, never "x0.001"
        for name in ("left", "bottom"):
            # the cursor moves every frame and its repaint touches the axes: a cached pixmap costs almost nothing
            self.plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.label = pg.LabelItem(justify="right", size="8pt")
        self.label.setFixedWidth(84)
        self.cursor = pg.InfiniteLine(pos=0.0, angle=90, movable=True, pen=pg.mkPen((255, 230, 80), width=2),
                                      hoverPen=pg.mkPen((255, 255, 160), width=3))
        self.cursor.setZValue(10)
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.marks = pg.ScatterPlotItem(symbol="o", size=14, pen=pg.mkPen(255, 80, 60, width=2),
                                        brush=pg.mkBrush(0, 0, 0, 0), hoverable=True,
                                        hoverPen=pg.mkPen(255, 160, 140, width=3), tip=lambda x, y, data: data)
        self.marks.setZValue(8)
        self.plot.addItem(self.marks, ignoreBounds=True)
        self.region: pg.LinearRegionItem | None = None
        self.spans: list[pg.LinearRegionItem] = []
        self.curves: dict[tuple[str, str], Curve] = {}
        self._y = (np.inf, -np.inf)   # value range seen while growing
        self._label_text = ""
        self._marks: list[tuple] = []
        # each curve draws what is in view: again when the view moves or resizes
        self.vb.sigXRangeChanged.connect(lambda *_: self.redraw())
        self._width = -1   # the plot's width the curves were drawn for: a change of height alone redraws nothing
        self.vb.sigResized.connect(lambda *_: self._on_resized())
        # a row made ahead (the timeline keeps a few) has its left and right curves' items ready: making them
        # in the turn the first curves come was a third of that turn (6 curves, about 4 ms of GUI CPU)
        self._spare_items = [empty_curve_item(self.plot) for _ in range(SPARE_ITEMS if not key else 0)]

    def set_key(self, key: str) -> None:
        """A row made ahead (the timeline keeps a few) gets its joint when it is taken."""
        self.key = key

    @property
    def vb(self) -> pg.ViewBox:
        return self.plot.getViewBox()

    def seconds_per_pixel(self, dpr: float) -> float:
        """The time one device pixel of the plot spans (0 before it has a width)."""
        (x0, x1), width = self.vb.viewRange()[0], self.vb.width() * dpr
        return (x1 - x0) / width if width > 0 else 0.0

    def shows_move(self, old: float, new: float, dpr: float) -> bool:
        """Whether a line moved from `old` to `new` seconds lands on another device pixel."""
        return abs(new - old) >= self.seconds_per_pixel(dpr)

    def colour_for(self, name: str, names: list[str]):
        s = side(name)
        if s == "left":
            return LEFT_RGB
        if s == "right":
            return RIGHT_RGB
        centre = [n for n in names if side(n) == "center"]
        return CENTRE_COLOURS[centre.index(name) % len(CENTRE_COLOURS)] if name in centre else CENTER_RGB

    def set_curves(self, clip_key: str, t: np.ndarray, values: dict[str, np.ndarray], count: int,
                   changed: list | None, dashed: bool, pyramids: dict | None = None) -> None:
        """This clip's curves in this row are exactly `values` (samples [0, count)); changed: spans changed in
        place (Curve.set_data); `pyramids`: name -> MinMaxPyramid of those made off the GUI thread."""
        for key in [k for k in self.curves if k[0] == clip_key and k[1] not in values]:
            self.curves.pop(key).remove()
        names = sorted(values, key=left_first)
        for name in names:
            curve = self.curves.get((clip_key, name))
            spans = changed
            if curve is None:
                item = self._spare_items.pop() if self._spare_items else None
                curve = self.curves[(clip_key, name)] = Curve(self.plot, self.colour_for(name, names), dashed, item)
                spans = None
            curve.set_data(t, values[name], count, spans, (pyramids or {}).get(name))
        self.update_label()

    def has_clip(self, clip_key: str) -> bool:
        return any(k[0] == clip_key for k in self.curves)

    def update_label(self, names: list[str] | None = None) -> None:
        """The row's title and its curves' sides in their colours; `names`: the angles it is about to show (a
        new row is labelled when taken, before the layout: a label widening later would lay out every row again)."""
        if names is None:
            colours = {n: c.colour for (_, n), c in self.curves.items()}
        else:
            ordered = sorted(names, key=left_first)   # as set_curves colours them
            colours = {n: self.colour_for(n, ordered) for n in ordered}
        parts = []
        for name in sorted(colours, key=left_first):
            colour, s = colours[name], side(name)
            short = {"left": "L", "right": "R"}.get(s) or family(name).replace("_", " ")
            parts.append(f"<span style='color:#{colour[0]:02x}{colour[1]:02x}{colour[2]:02x}'>{short}</span>")
        text = f"<b>{row_title(self.key)}</b> (°)<br>{' '.join(parts)}"
        if text != self._label_text:   # laying out rich text costs ms; the curves are set every second
            self._label_text = text
            self.label.setText(text, size="8pt")

    def widen_y(self, values: dict[str, np.ndarray], spans: list | None) -> None:
        """While growing: the y range only widens, in 30 degree steps, from the changed spans (start, stop) only,
        None: from the top of each curve's pyramid (re-ranging regenerates the axes, most of a redraw's cost)."""
        lo, hi = self._y
        if spans is None:
            for curve in self.curves.values():
                c_lo, c_hi = curve.bounds()
                if np.isfinite(c_lo):
                    lo, hi = min(lo, c_lo), max(hi, c_hi)
        for v in values.values():
            for start, stop in spans or ():
                piece = v[start:stop]
                piece = piece[np.isfinite(piece)]
                if piece.size:
                    lo, hi = min(lo, float(piece.min())), max(hi, float(piece.max()))
        if lo > hi:
            return
        grew = (lo, hi) != self._y
        self._y = (lo, hi)
        if grew or self.vb.autoRangeEnabled()[1]:
            self.plot.setYRange(30.0 * np.floor(lo / 30.0) - 5.0, 30.0 * np.ceil(hi / 30.0) + 5.0, padding=0)
            self.settle()

    def fit_y(self) -> None:
        """The y range of every curve in the row, from the top of each curve's pyramid (no scan of the
        samples): pyqtgraph's auto-range would look through every sample at each repaint while it is on."""
        lo, hi = np.inf, -np.inf
        for curve in self.curves.values():
            c_lo, c_hi = curve.bounds()
            if np.isfinite(c_lo):
                lo, hi = min(lo, c_lo), max(hi, c_hi)
        self._y = (lo, hi)
        if lo <= hi:
            pad = max(2.0, 0.05 * (hi - lo))
            self.plot.setYRange(lo - pad, hi + pad, padding=0)
            self.settle()

    def _on_resized(self) -> None:
        # the curves are decimated to the plot's pixel columns: a new row resizes every row, in height only
        if int(self.vb.width()) != self._width:
            self.redraw()

    def settle(self) -> None:
        """The view's transform brought to its new range now: left to the paint (pyqtgraph's default), it moves
        the items during the paint, which then paints them all again."""
        self.vb.updateMatrix()

    def redraw(self) -> None:
        self.settle()
        self._width = int(self.vb.width())
        for curve in self.curves.values():
            curve.redraw()

    def set_marks(self, marks: list[tuple]) -> None:
        """Rings at (seconds, degrees, tooltip, ...). While analysing the same ones come again with new ones
        after them: only those are added (a ring costs about 10 µs; an hour can have thousands)."""
        old, self._marks = self._marks, list(marks)
        if self._marks == old:
            return
        if old and self._marks[:len(old)] == old:
            new = self._marks[len(old):]
            self.marks.addPoints([m[0] for m in new], [m[1] for m in new], data=[m[2] for m in new])
        else:
            self.marks.setData([m[0] for m in marks], [m[1] for m in marks], data=[m[2] for m in marks])

    def set_spans(self, spans: list[tuple[float, float, str]]) -> None:
        """Grey bands over (t0, t1, tooltip): what the user left out."""
        for item in self.spans:
            self.plot.removeItem(item)
        self.spans = []
        for t0, t1, text in spans:
            item = pg.LinearRegionItem(values=(t0, t1), orientation="vertical", movable=False,
                                       brush=pg.mkBrush(160, 160, 160, 55), pen=pg.mkPen(160, 160, 160, 120))
            item.setZValue(-10)
            item.setToolTip(text)
            self.plot.addItem(item, ignoreBounds=True)
            self.spans.append(item)

    def remove_clip(self, clip_key: str | None = None) -> None:
        for key in [k for k in self.curves if clip_key is None or k[0] == clip_key]:
            self.curves.pop(key).remove()
