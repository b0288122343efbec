"""While the analysis runs, each batch of new frames costs work for those frames only: their angles are
computed and written into the curves shown, the frames before them are left alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import shiboken6
from PySide6.QtWidgets import QStatusBar

from posestudio.app.analysis_job import NewFrames, analysis_job, new_frames_maker
from posestudio.app.angle_curves import AngleCurves
from posestudio.app.custom_angles import CustomAngles
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.workers import Workers
from posestudio.core import kinematics

RUNNING = "sports2d_demo3_running_side.mp4"
MODEL = "movenet-lightning"


def _first_frames(result, count: int):
    """The result as the analysis has it after `count` frames."""
    fields = {name: getattr(result, name).copy() for name in ("keypoints", "person_scores", "person_ids",
                                                              "timestamps", "analysed")}
    fields["keypoints"][count:] = np.nan
    fields["person_ids"][count:] = -1
    fields["analysed"][count:] = False
    return dataclasses.replace(result, **fields)


def test_new_frames_cost_angles_for_those_frames_only(qtbot, videos_dir, require_model):
    require_model(MODEL)
    settings = Settings()
    settings.model_id = MODEL
    panel, timeline, bar = SettingsPanel(settings), Timeline(), QStatusBar()
    for widget in (panel, timeline, bar):
        qtbot.addWidget(widget)
    status, workers, session = StatusLine(bar), Workers(), ClipSession()
    curves = AngleCurves(session, workers, panel, timeline, CustomAngles(settings, panel, status), status)
    try:
        task = workers.task(analysis_job(str(videos_dir / RUNNING), MODEL), "analysis", partial=True)
        with qtbot.waitSignal(task.completed, timeout=60000) as done:
            task.start()
        full = done.args[0].result
        person = int(full.person_ids[full.person_ids >= 0][0])

        # the worker's side: the first partial carries the whole result, the next only the new rows
        make = new_frames_maker()
        first = make(_first_frames(full, 10), 10)
        assert first.whole is not None and (first.start, first.stop) == (0, 10)
        later = make(full, 17)
        assert later.whole is None and (later.start, later.stop) == (10, 17)
        assert all(len(rows) == 7 for rows in later.rows.values())

        session.set_analysis(object())  # as while a task analyses
        session.set_result(first.whole)
        qtbot.waitUntil(lambda: curves.growth is not None and session.angle_data.result is session.result,
                        timeout=10000)
        growth = curves.growth
        assert growth.upto == 10 and growth.rows_computed == 0
        values = session.angle_data.values
        before = {name: v[:10].copy() for name, v in values.items()}
        assert all(np.isnan(v[10:]).all() for v in values.values())

        later.apply_to(session.result)
        session.frames_added.emit(later.start, later.stop)
        assert growth.rows_computed == 7 and growth.upto == 17  # the 7 new frames, not the clip's 47
        names = [n for n in values if growth.defs[n].kind in ("three_point", "segment_pair")]
        assert names
        raw = kinematics.compute_angles(full.track(person)[10:17], full.keypoint_names,
                                        [growth.defs[n] for n in names], growth.threshold)
        for name in names:
            np.testing.assert_allclose(values[name][10:17], raw[name], equal_nan=True)
            np.testing.assert_array_equal(values[name][:10], before[name])
            assert np.isnan(values[name][17:]).all()
        assert np.isfinite(values[names[0]][10:17]).any()

        # nothing new: nothing computed
        session.frames_added.emit(17, 17)
        assert growth.rows_computed == 7
        # two segments analysed side by side: frames further on come before the ones after 17, and only they
        # are computed; the gap stays empty until its frames come
        result = session.result
        for lo, hi in ((30, 36), (17, 20)):
            for field in ("keypoints", "person_ids", "person_scores", "analysed"):
                getattr(result, field)[lo:hi] = getattr(full, field)[lo:hi]
            session.frames_added.emit(lo, hi)
        assert growth.rows_computed == 7 + 6 + 3 and growth.upto == 36
        raw = kinematics.compute_angles(full.track(person)[:36], full.keypoint_names,
                                        [growth.defs[n] for n in names], growth.threshold)
        for name in names:
            for lo, hi in ((17, 20), (30, 36)):
                np.testing.assert_allclose(values[name][lo:hi], raw[name][lo:hi], equal_nan=True)
            assert np.isnan(values[name][20:30]).all() and np.isnan(values[name][36:]).all()
        assert isinstance(later, NewFrames)
    finally:
        assert workers.stop_all(5000)
        # the presenters go with the session, before the timeline they draw on (a redraw timer must not
        # outlive it and fire in the next test)
        session.deleteLater()
        qtbot.waitUntil(lambda: not shiboken6.isValid(session), timeout=5000)
