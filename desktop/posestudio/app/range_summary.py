"""Keeps the summary table on the session's angles over the time range selected on the timeline."""

from __future__ import annotations

from PySide6.QtCore import QObject

from posestudio.app.session import ClipSession
from posestudio.app.summary_panel import SummaryPanel
from posestudio.app.timeline import Timeline


class RangeSummary(QObject):
    def __init__(self, session: ClipSession, summary: SummaryPanel, timeline: Timeline):
        super().__init__(session)
        self.session, self.summary, self.timeline = session, summary, timeline
        session.angles_changed.connect(lambda _data: self.update())
        session.clip_changed.connect(lambda _clip: self._clear())
        timeline.range_changed.connect(self.on_range)
        summary.select_range_toggled.connect(self.toggle_range)
        summary.clear_range_requested.connect(timeline.clear_range)
        summary.range_typed.connect(timeline.set_range)

    def _clear(self) -> None:
        self.timeline.clear_range()
        self.update()

    def update(self) -> None:
        data = self.session.angle_data
        self.summary.update_from(data.table if data is not None else None,
                                 list(data.values) if data is not None else [])

    def on_range(self, span) -> None:
        self.summary.set_range(span)
        if span is None and self.summary.range_button.isChecked():
            self.summary.range_button.setChecked(False)
        self.update()

    def toggle_range(self, on: bool) -> None:
        """Select range: from the frame on screen to the end of the clip, to be typed or dragged from there
        (not an arbitrary middle third)."""
        clip = self.session.clip
        if on and self.timeline.region is None and clip is not None and clip.frame_count > 1:
            end = float(clip.timestamps[-1])
            start = float(self.timeline.cursor.value())
            self.timeline.set_range(start if 0.0 <= start < end else 0.0, end)
        elif not on:
            self.timeline.clear_range()
