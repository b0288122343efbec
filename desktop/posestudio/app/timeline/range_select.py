"""The time range selected on the timeline: a draggable region in every row, moved together, set by Shift+drag
or typed; `range_changed` says when it settles. A mixin of Timeline (which holds the
rows, the duration and the signal), kept apart so each file stays short."""

from __future__ import annotations

import pyqtgraph as pg

from posestudio.app.timeline.rows import JointRow


class RangeSelection:
    @property
    def region(self) -> pg.LinearRegionItem | None:
        """The selected range's region in the first row (each row has one; they move together)."""
        rows = self.visible_rows() or list(self.rows.values())
        return rows[0].region if rows and self._range is not None else None

    @property
    def selected_range(self) -> tuple[float, float] | None:
        return None if self._range is None else (float(self._range[0]), float(self._range[1]))

    def set_range(self, t0: float, t1: float) -> None:
        """Select [t0, t1] (clamped to the clip), creating the draggable regions if needed."""
        t0, t1 = max(0.0, min(t0, t1)), min(self._duration, max(t0, t1))
        self._range = (t0, t1)
        self._syncing = True
        for row in self.rows.values():
            if row.region is None:
                self._add_region(row, t0, t1)
            else:
                row.region.setRegion((t0, t1))
        self._syncing = False
        self.range_changed.emit(self.selected_range)

    def _add_region(self, row: JointRow, t0: float, t1: float) -> None:
        region = pg.LinearRegionItem(values=(t0, t1), orientation="vertical", brush=pg.mkBrush(90, 160, 255, 45),
                                     hoverBrush=pg.mkBrush(90, 160, 255, 70), pen=pg.mkPen(90, 160, 255, 200, width=2))
        region.setZValue(5)
        row.plot.addItem(region, ignoreBounds=True)
        row.region = region
        region.sigRegionChanged.connect(self._on_region_moved)
        region.sigRegionChangeFinished.connect(self._on_region_done)

    def _on_region_moved(self, region) -> None:
        if self._syncing:
            return
        self._syncing = True
        self._range = tuple(float(v) for v in region.getRegion())
        for row in self.rows.values():
            if row.region is not None and row.region is not region:
                row.region.setRegion(self._range)
        self._syncing = False

    def _on_region_done(self, region) -> None:
        if not self._syncing:
            self._on_region_moved(region)
            self.range_changed.emit(self.selected_range)

    def select_middle(self) -> None:
        """A starting range the user then drags: the middle third of what is in view."""
        x0, x1 = self._view_x or (0.0, self._duration)
        x0, x1 = max(x0, 0.0), min(x1, self._duration)
        third = (x1 - x0) / 3.0
        self.set_range(x0 + third, x1 - third)

    def clear_range(self) -> None:
        if self._range is None:
            return
        self._range = None
        for row in self.rows.values():
            if row.region is not None:
                row.plot.removeItem(row.region)
                row.region = None
        self.range_changed.emit(None)
