"""The followed person's angle curves: asked again whenever the session's result or the panel's choices change,
computed off the GUI thread (the newest request wins), with the sudden changes and the parts the user left
out marked. While the analysis runs, the angles of each batch of new frames are added to the curves (work in
proportion to the new frames); the computation over the whole clip (cleaning, summaries, sudden changes)
runs at a low rate, and with smoothing once the analysis is done."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer

from posestudio.app import angles
from posestudio.app.angle_data import AngleRequest, GrowingAngles, compute
from posestudio.app.custom_angles import CustomAngles
from posestudio.app.session import ClipSession
from posestudio.app.settings_panel import Choices, SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.timeline.decimate import MinMaxPyramid
from posestudio.app.workers import Workers
from posestudio.core.kinematics.sudden import describe

CURVE_REDRAW_S = 1.0
FULL_EVERY_S = 5.0    # while analysing, the whole-clip computation at most this often...
FULL_SHARE = 0.1      # ...and at most this share of the time (on a long clip it takes longer)


def compute_drawn(request: AngleRequest, upto: int | None):
    """(AngleData, name -> MinMaxPyramid): the angles, and what the timeline draws of each curve, both made off
    the GUI thread (the pyramid costs a few ms a curve on an hour-long clip). upto: the frames analysed when
    asked (the samples after it are filled in on the GUI thread as frames arrive), None: all of them."""
    data = compute(request)
    ts = data.timestamps
    pyramids = {} if ts is None else {name: MinMaxPyramid(ts, v, upto) for name, v in data.values.items()}
    return data, pyramids


def half_frame(timestamps) -> float:
    ts = np.asarray(timestamps, dtype=float)
    return 0.5 * float(np.median(np.diff(ts))) if ts.size > 1 else 0.0


class AngleCurves(QObject):
    def __init__(self, session: ClipSession, workers: Workers, panel: SettingsPanel, timeline: Timeline,
                 custom: CustomAngles, status: StatusLine):
        super().__init__(session)
        self.session, self.panel, self.timeline, self.custom, self.status = session, panel, timeline, custom, status
        self.choices: Choices = panel.choices()
        self.runner = workers.latest(compute_drawn, "Computing angles")
        self.runner.ready.connect(self._on_angles)
        self.runner.failed.connect(lambda text: status.error(f"The angles could not be computed ({text})."))
        self._drawn_at = 0.0
        self.growth: GrowingAngles | None = None
        self.pyramids: dict = {}           # name -> MinMaxPyramid of the angles shown (the timeline checks)
        self._marked = None                # the AngleData whose rings and bands are shown
        self._upto = 0                     # frames of the session's result analysed so far (while analysing)
        self._asked = (0.0, 0)             # (monotonic time, frames analysed) of the last full request
        self._spans: list[tuple[int, int]] = []   # frames reported since that request (anywhere in the clip)
        self._full_at, self._full_cost = 0.0, 0.0
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.timeout.connect(self.request)
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(int(CURVE_REDRAW_S * 1000))
        self._redraw.timeout.connect(self._draw)
        session.result_changed.connect(lambda _r: self.request())
        session.frames_added.connect(self._on_frames)
        session.analysing_changed.connect(lambda _on: self.request())  # done: smoothed, over the whole clip
        session.clip_changed.connect(lambda _c: self._clear())
        panel.choices_changed.connect(self._on_choices)
        custom.changed.connect(lambda _angles: self.request())

    def _on_choices(self, choices: Choices) -> None:
        self.choices = choices
        self.request()

    def _clear(self) -> None:
        self.runner.cancel()
        self._redraw.stop()
        self._full_timer.stop()
        self.growth = None
        self.pyramids, self._marked = {}, None
        self.timeline.clear_curves()

    def request(self) -> None:
        s, c = self.session, self.choices
        if s.result is None:
            return
        self._full_timer.stop()
        if s.analysing:
            analysed = np.flatnonzero(s.result.analysed)
            self._upto = int(analysed[-1]) + 1 if analysed.size else 0
        self._asked = (time.monotonic(), self._upto)
        self._spans = []
        self.runner.submit(AngleRequest(
            result=s.result, person=c.person, wanted=list(c.angles), threshold=c.threshold,
            smooth=c.smoothing and not s.analysing,  # smoothing needs the whole curve: once it is there
            timestamps=s.clip.timestamps if s.clip is not None else None, custom=tuple(self.custom.angles),
            base=None if s.analysing else s.angle_data,  # after an edit: smoothed again only where it changed
        ), self._upto if s.analysing else None)

    @property
    def pending(self) -> bool:
        """Angles asked for and not shown yet."""
        return self.runner.pending

    def _on_frames(self, start: int, stop: int) -> None:
        """New frames analysed: their angles only, into the curves shown; the whole-clip computation later.
        They may come from anywhere in the clip (segments analysed side by side), not only after the last."""
        self._upto = max(self._upto, stop)
        if self.runner.pending:
            self._spans.append((start, stop))   # the computation under way may have read them before they came
        if self.growth is not None and self.growth.add(self.session.result, start, stop) is not None:
            self._draw_soon()
        if not self.runner.pending and not self._full_timer.isActive():
            since = time.monotonic() - self._full_at
            wait = max(FULL_EVERY_S, self._full_cost / FULL_SHARE) - since
            self._full_timer.start(int(max(wait, 0.0) * 1000))

    def _on_angles(self, found) -> None:
        data, self.pyramids = found
        now = time.monotonic()
        self._full_at, self._full_cost = now, now - self._asked[0]
        s = self.session
        s.set_angles(data)
        self.panel.set_tracks(data.tracks, data.person)
        self.growth = None
        if s.analysing and data.person >= 0 and data.values and data.result is s.result:
            c = self.choices
            self.growth = GrowingAngles(data.values, angles.definitions(self.custom.angles),
                                        s.result.keypoint_names, data.person, c.threshold, self._asked[1])
            for start, stop in self._spans:   # the frames analysed while this was computed
                self.growth.add(s.result, start, stop)
        self._spans = []
        self._draw_soon()

    def _draw_soon(self) -> None:
        # while analysing, redraw the curves about once a second: each redraw re-ranges the axes
        if not self.session.analysing or time.monotonic() - self._drawn_at >= CURVE_REDRAW_S:
            self._draw()
        elif not self._redraw.isActive():
            self._redraw.start()

    def _draw(self) -> None:
        data = self.session.angle_data
        if data is None:
            return
        self._drawn_at = time.monotonic()
        growing = self.session.analysing
        growth = self.growth if growing else None
        upto = growth.upto if growth is not None else None
        self.timeline.set_curves(data.timestamps, data.values, growing=growing, upto=upto, pyramids=self.pyramids,
                                 changed=growth.take_changed() if growth is not None else None)
        self._show_marks(data)

    def _show_marks(self, data) -> None:
        """Rings where the shown curves change suddenly, grey bands where the user left parts out; worked out
        once for each set of angles (not at each redraw while analysing: an hour can have thousands)."""
        if data is self._marked:
            return
        self._marked = data
        marks = []
        for change in data.sudden:
            name, y = next(((n, float(data.values[n][change.frame])) for n in change.names
                            if n in data.values and np.isfinite(data.values[n][change.frame])), (None, 0.0))
            marks.append((float(data.timestamps[change.frame]), y, describe(change), name))
        self.timeline.set_marks(marks)
        ts = data.timestamps
        half = half_frame(ts) if ts is not None else 0.0
        self.timeline.set_left_out([
            (float(ts[first]) - half, float(ts[last]) + half,
             f"Left out by you: {', '.join(parts)} of #{data.person}, frames {first}-{last}. "
             f"Right-click here to put it back.")
            for first, last, parts in data.left_out])
