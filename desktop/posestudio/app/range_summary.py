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
        if on and self.timeline.region is None:
            self.timeline.select_middle()
        elif not on:
            self.timeline.clear_range()
