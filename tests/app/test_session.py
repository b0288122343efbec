"""A clip session with its presenters, without a main window: a real clip opened by its frame loader, analysed
by a task thread, its angles drawn on a timeline; an edit and its undo announced by the session's signals."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QStatusBar

from posestudio.app.analysis_job import analysis_job
from posestudio.app.angle_curves import AngleCurves
from posestudio.app.custom_angles import CustomAngles
from posestudio.app.frame_loader import FrameLoader
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.workers import Workers
from posestudio.core.analysis.left_out import leave_out

RUNNING = "sports2d_demo3_running_side.mp4"
MODEL = "movenet-lightning"


def test_a_session_and_its_presenters_need_no_window(qtbot, videos_dir, require_model):
    require_model(MODEL)
    settings = Settings()
    settings.model_id = MODEL
    panel, timeline, bar = SettingsPanel(settings), Timeline(), QStatusBar()
    for widget in (panel, timeline, bar):
        qtbot.addWidget(widget)
    status, workers, session = StatusLine(bar), Workers(), ClipSession()
    custom = CustomAngles(settings, panel, status)
    AngleCurves(session, workers, panel, timeline, custom, status)
    clips, angles, edited = [], [], []
    session.clip_changed.connect(clips.append)
    session.angles_changed.connect(angles.append)
    session.edited.connect(edited.append)
    path = str(videos_dir / RUNNING)

    try:
        loader = FrameLoader(path, workers=workers)
        with qtbot.waitSignal(loader.opened, timeout=10000) as opened:
            loader.start()
        info = opened.args[0]
        assert session.open(info, loader) is None and clips == [info] and session.loader is loader

        task = workers.task(analysis_job(path, MODEL, info.fingerprint), "analysis", partial=True)
        with qtbot.waitSignal(task.completed, timeout=60000) as done:
            task.start()
        result = done.args[0].result
        assert result.frame_count == info.frame_count and bool(result.analysed.all())
        session.set_result(result)
        qtbot.waitUntil(lambda: bool(angles) and angles[-1].result is result, timeout=10000)
        data = session.angle_data
        assert data is angles[-1] and data.person >= 0 and data.values
        # drawn at once, nothing being analysed (the timeline adds one new curve per event-loop turn)
        qtbot.waitUntil(lambda: set(timeline.curves) == set(data.values), timeout=5000)

        first, last = 5, 20
        mask = leave_out(result, data.person, first, last, "left arm")
        session.apply_edit(result.person_ids, mask)
        assert session.has_edits() and edited == [session.result] and session.result is not result
        qtbot.waitUntil(lambda: angles[-1].result is session.result, timeout=10000)
        assert angles[-1].left_out == [(first, last, ("left arm",))]

        assert session.undo_edit()
        assert not session.has_edits() and session.result.left_out is None and len(edited) == 2
        np.testing.assert_array_equal(session.result.person_ids, result.person_ids)
        qtbot.waitUntil(lambda: angles[-1].result is session.result, timeout=10000)
        assert angles[-1].left_out == []
        assert not session.undo_edit()  # nothing left to undo
    finally:  # a failed assert must not leave a thread behind a destroyed QThread
        assert workers.stop_all(5000)
