"""The window points out sudden changes in the curves and lets the user leave out a body part the video shows
was wrong (the gym clip: BlazePose draws the player's left arm raised along a railing for frames 5-20)."""

from __future__ import annotations

import pytest
import numpy as np

GYM = "mmaction2_basketball_gym_240p.mp4"


def _action(menu, text_start: str):
    for action in menu.actions():
        if action.text().startswith(text_start):
            return action
    raise AssertionError(f"no '{text_start}…' in {[a.text() for a in menu.actions()]}")


def _tick(window, name: str) -> None:
    from PySide6.QtCore import Qt

    items = [window.panel.angle_list.item(i) for i in range(window.panel.angle_list.count())]
    item = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == name)
    item.setCheckState(Qt.CheckState.Checked)


@pytest.mark.slow
def test_sudden_changes_are_shown_and_a_wrong_arm_can_be_left_out_kept_and_put_back(
        make_window, analyse_with, videos_dir, qtbot):
    from posestudio.core.analysis.cache import load_cached

    clip = videos_dir / GYM
    window = make_window()
    analyse_with(window, clip, "blazepose-full")
    _tick(window, "left_shoulder")  # not among the default curves
    qtbot.waitUntil(lambda: "left_shoulder" in window.session.angle_data.values, timeout=10000)
    data = window.session.angle_data
    frames = [c.frame for c in data.sudden]
    assert 20 in frames, frames  # the arm comes off the railing
    assert len(window.timeline.marks_shown) == len(frames)
    assert window.timeline.warning.isVisible() and "sudden change" in window.timeline.warning.text()
    ts = data.timestamps
    i = frames.index(20)
    ring = window.timeline.marks_shown[i]
    assert abs(ring[0] - ts[20]) < 1e-6 and "left_shoulder" in ring[2]
    shoulder = window.timeline.rows["shoulder"].marks.data  # drawn in the shoulder's row
    assert any(abs(x - ts[20]) < 1e-6 for x in shoulder["x"])

    # Ctrl+J walks through them, the status bar says what changed
    window.playback.seek(10)
    qtbot.waitUntil(lambda: window.playback.index == 10, timeout=5000)
    window.left_out.next_sudden_action.trigger()
    qtbot.waitUntil(lambda: window.playback.index == 20, timeout=5000)
    assert "Frames 20-21" in window.statusBar().currentMessage()

    # the menu asks for a range first; with one, the left arm is left out of the curves
    lo = window.left_out
    assert not _action(lo.timeline_menu(0.3), "Leave out a body part").isEnabled()
    window.timeline.set_range(float(ts[5]), float(ts[20]))
    parts = _action(lo.timeline_menu(0.3), "Leave out of #").menu()
    _action(parts, "Left arm").trigger()
    qtbot.waitUntil(lambda: window.session.angle_data is not data and bool(window.session.angle_data.left_out), timeout=10000)
    after = window.session.angle_data
    assert after.left_out == [(5, 20, ("left arm",))]
    assert 20 not in [c.frame for c in after.sudden]
    assert np.isnan(after.values["left_shoulder"][6:21]).all()
    np.testing.assert_array_equal(after.values["right_elbow"], data.values["right_elbow"])
    assert len(window.timeline.left_out_spans) == 1
    assert "left arm" in window.timeline.left_out_spans[0].toolTip()
    assert "Left out the left arm of #" in window.statusBar().currentMessage()
    # and it is not drawn on the video (the model's elbow, wrist and hand points of that arm)
    from posestudio.app.overlay import frame_overlay

    overlay = frame_overlay(window.session.result, 12, window.session.keypoint_set, after, 0.3, True)
    drawn = dict(overlay.people)[after.person]
    assert (drawn[:, 2] == 0).sum() == 5 and (window.session.result.keypoints[12, :, :, 2] > 0).all()

    # kept with the clip's analysis: a new window opening the clip shows the same
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=10000)
    np.testing.assert_array_equal(load_cached(str(clip), "blazepose-full").left_out, window.session.result.left_out)
    again = make_window()
    analyse_with(again, clip, "blazepose-full")
    assert again.session.analysis is None and again.session.angle_data.left_out == [(5, 20, ("left arm",))]
    np.testing.assert_array_equal(again.session.angle_data.values["left_shoulder"], after.values["left_shoulder"])

    # right-click in the grey band puts it back; Ctrl+Z leaves it out again
    _action(lo.timeline_menu(float(ts[12])), "Put back the left arm").trigger()
    qtbot.waitUntil(lambda: not window.session.angle_data.left_out, timeout=10000)
    assert 20 in [c.frame for c in window.session.angle_data.sudden]
    assert not window.timeline.left_out_spans
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: window.session.angle_data.left_out == [(5, 20, ("left arm",))], timeout=10000)


@pytest.mark.slow
def test_analysing_again_asks_before_dropping_the_edits(make_window, analyse_with, videos_dir, qtbot):
    window = make_window()
    analyse_with(window, videos_dir / GYM, "blazepose-full")
    asked = []
    window.runner.confirm_discard_edits = lambda: asked.append(1) or False
    window.runner.start(force=True)  # nothing edited yet: no question
    assert not asked
    qtbot.waitUntil(lambda: window.session.analysis is None and window.session.result is not None and window.session.result.complete,
                    timeout=60000)
    qtbot.waitUntil(lambda: window.session.angle_data is not None and window.session.angle_data.result is window.session.result,
                    timeout=10000)
    ts = window.session.angle_data.timestamps
    window.timeline.set_range(float(ts[5]), float(ts[20]))
    assert window.left_out.leave_out_selected("left arm")
    kept = window.session.result
    window.runner.start(force=True)  # the user says no: nothing changes
    assert asked and window.session.analysis is None and window.session.result is kept
    window.runner.confirm_discard_edits = lambda: True
    window.runner.start(force=True)
    qtbot.waitUntil(lambda: window.session.analysis is None and window.session.result is not kept and window.session.result.complete,
                    timeout=60000)
    assert window.session.result.left_out is None
