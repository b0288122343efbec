"""Correcting the model by hand in the real window: the gym clip's railing arm (BlazePose full draws the player's
left arm along a railing from frame 4 to 20) fixed with four mouse drags on the video, the curves following,
undo, the corrections kept with the cached analysis and reopened, bad input turned into one sentence."""

from __future__ import annotations

import pytest
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gym_arm_corrections import DRAGS, GYM, MODEL, RANGE  # noqa: E402


def _tick(window, name: str) -> None:
    items = [window.panel.angle_list.item(i) for i in range(window.panel.angle_list.count())]
    item = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == name)
    item.setCheckState(Qt.CheckState.Checked)


def _show_frame(window, qtbot, frame: int) -> None:
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame, timeout=10000)


def _angles_of(window, qtbot, result):
    s = window.session
    qtbot.waitUntil(lambda: s.angle_data is not None and s.angle_data.result is result, timeout=20000)
    return s.angle_data


def _drag(qtbot, view, src: QPoint, dst: QPoint) -> None:
    """A real drag: the cursor comes over the point, presses, moves in two steps, releases."""
    qtbot.mouseMove(view, src)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=src)
    qtbot.mouseMove(view, (src + dst) / 2)
    qtbot.mouseMove(view, dst)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=dst)


@pytest.mark.slow
def test_the_railing_arm_is_fixed_with_four_drags_kept_and_undone(make_window, analyse_with, videos_dir, qtbot):
    clip = videos_dir / GYM
    window = make_window()
    result = analyse_with(window, clip, MODEL)
    view, s = window.view, window.session
    assert view.editable
    _tick(window, "left_shoulder")
    qtbot.waitUntil(lambda: "left_shoulder" in s.angle_data.values, timeout=20000)
    before = s.angle_data
    assert 20 in [c.frame for c in before.sudden]   # the arm comes off the railing
    pid = before.person
    names = result.keypoint_names

    ts = s.clip.timestamps
    window.timeline.set_range(float(ts[RANGE[0]]), float(ts[RANGE[1]]))
    window.corrections.range_action.setChecked(True)
    for frame, name, x, y in DRAGS:
        _show_frame(window, qtbot, frame)
        k = names.index(name)
        slot = int(np.flatnonzero(s.result.person_ids[frame] == pid)[0])
        src = view.map_from_image(*s.result.keypoints[frame, slot, k, :2]).toPoint()
        dst = view.map_from_image(x, y).toPoint()
        qtbot.mouseMove(view, src)
        qtbot.waitUntil(lambda: view._hover == (pid, k), timeout=5000)   # the cursor says which point it takes
        assert view.cursor().shape() == Qt.CursorShape.CrossCursor
        old = s.result
        _drag(qtbot, view, src, dst)
        qtbot.waitUntil(lambda: s.result is not old, timeout=5000)
        got = s.result.keypoints[frame, slot, k, :2]
        drop = view.map_to_image(QPointF(dst))
        assert abs(got[0] - drop.x()) < 1e-3 and abs(got[1] - drop.y()) < 1e-3, (got, drop)
        assert s.result.manual[frame, slot, k] == 1
        assert f"Moved the {name} of #{pid} in frame {frame}" in window.statusBar().currentMessage()
    fixed = s.result
    # the correction holds over the selected range, exactly
    flags = fixed.manual[:, 0, names.index("left_elbow")]
    assert (flags[RANGE[0]:RANGE[1] + 1] > 0).all() and not flags[:RANGE[0]].any() and not flags[RANGE[1] + 1:].any()
    after = _angles_of(window, qtbot, fixed)
    assert 20 not in [c.frame for c in after.sudden], after.sudden
    assert np.nanmax(after.table.raw["left_shoulder"][5:21]) < 100 < np.nanmax(before.table.raw["left_shoulder"][5:21])
    qtbot.waitUntil(lambda: window.summary.table.rowCount() > 0, timeout=10000)   # the summary follows

    # one undo takes the last drag back (the wrist at frame 20), the others stay
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: s.result is not fixed, timeout=5000)
    wrist = names.index("left_wrist")
    assert s.result.keypoints[20, 0, wrist, 1] != fixed.keypoints[20, 0, wrist, 1]
    assert s.result.manual[4, 0, wrist] == 1
    # the drag again, through the presenter (the same path as the mouse)
    frame, name, x, y = DRAGS[-1]
    assert window.corrections.move_keypoint(pid, wrist, x, y, frame)
    # the same but for where the mouse dropped it (a screen pixel is a fraction of an image pixel here)
    np.testing.assert_allclose(s.result.keypoints, fixed.keypoints, atol=0.5, equal_nan=True)

    # "Analyse again" knows these are edits to lose
    assert s.has_edits()

    # kept with the cached analysis: a new window opens the clip with the corrections
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=20000)
    window.close()
    again = make_window()
    reopened = analyse_with(again, clip, MODEL)
    assert reopened.corrections is not None and len(reopened.corrections) == len(fixed.corrections)
    np.testing.assert_array_equal(reopened.keypoints, s.result.keypoints)
    np.testing.assert_array_equal(reopened.manual, s.result.manual)


@pytest.mark.slow
def test_bad_corrections_are_ignored_or_one_sentence(make_window, analyse_with, videos_dir, qtbot):
    window = make_window()
    result = analyse_with(window, videos_dir / GYM, MODEL)
    view, s = window.view, window.session
    pid = s.angle_data.person
    _show_frame(window, qtbot, 30)
    slot = int(np.flatnonzero(result.person_ids[30] == pid)[0])
    k = result.keypoint_names.index("right_wrist")
    src = view.map_from_image(*result.keypoints[30, slot, k, :2]).toPoint()

    # dropped outside the picture: one sentence, nothing changed
    outside = view.map_from_image(-40.0, -40.0).toPoint()
    _drag(qtbot, view, src, QPoint(max(outside.x(), 1), max(outside.y(), 1)))
    qtbot.waitUntil(lambda: "outside the picture" in window.statusBar().currentMessage(), timeout=5000)
    assert s.result is result and s.result.corrections is None

    # a drag that starts on no keypoint pans the picture, corrects nothing
    _drag(qtbot, view, QPoint(5, 5), QPoint(60, 40))
    assert s.result is result

    # a person absent from the frame, and a range mode without a range: one sentence each
    absent = next((f for f in range(result.frame_count) if not (result.person_ids[f] == pid).any()), None)
    if absent is not None:
        assert not window.corrections.move_keypoint(pid, k, 50, 50, absent)
        assert f"not in frame {absent}" in window.statusBar().currentMessage()
    window.corrections.range_action.setChecked(True)
    window.timeline.clear_range()
    assert not window.corrections.move_keypoint(pid, k, 50, 50, 30)
    assert "Select the frames to correct first" in window.statusBar().currentMessage()
    window.corrections.range_action.setChecked(False)
    assert s.result is result

    # right-click on the keypoint: mark it not visible here; the menu also places a point the model missed
    menu = window.corrections.keypoint_menu(pid, k, QPointF(100, 100))
    texts = [a.text() for a in menu.actions()]
    hide = next(a for a in menu.actions() if a.text() == "right_wrist: not visible in this frame")
    assert any(t.startswith(f"#{pid}: follow") for t in texts)
    hide.trigger()
    assert s.result.manual[30, slot, k] == 3 and np.isnan(s.result.keypoints[30, slot, k, 0])
    assert s.result.keypoints[29, slot, k, 2] == result.keypoints[29, slot, k, 2]


@pytest.mark.slow
def test_low_score_keys_place_a_missed_point_and_the_reach_setting(make_window, analyse_with, videos_dir, qtbot):
    from posestudio.app.corrections import BODY_POINTS
    from posestudio.core.analysis import corrections as C

    window = make_window()
    result = analyse_with(window, videos_dir / GYM, MODEL)
    s, pid = window.session, window.session.angle_data.person
    threshold = window.view.overlay.threshold
    names = list(result.keypoint_names)
    keys = [names.index(n) for n in BODY_POINTS]
    expected = C.next_low_score(result, pid, 0, 1, threshold, keys)
    assert expected is not None
    _show_frame(window, qtbot, 0)
    window.corrections.next_low_action.trigger()
    qtbot.waitUntil(lambda: window.playback.index == expected[0], timeout=5000)
    assert f"unsure of the {names[expected[1]]}" in window.statusBar().currentMessage()
    _show_frame(window, qtbot, expected[0])

    # the unsure point is offered in "Place a point the model missed here"; placing it makes it sure
    frame, k = expected
    slot = int(np.flatnonzero(result.person_ids[frame] == pid)[0])
    menu = window.corrections.keypoint_menu(pid, -1, QPointF(60.0, 150.0))
    place = next(a.menu() for a in menu.actions() if a.text().startswith(f"Place a point of #{pid}"))
    action = next(a for a in place.actions() if a.text() == names[k])
    action.trigger()
    np.testing.assert_array_equal(s.result.keypoints[frame, slot, k], [60.0, 150.0, 1.0])
    assert s.result.manual[frame, slot, k] == C.KEY

    # the reach a lone drag carries over is a setting, kept
    window.corrections.set_reach(5)
    assert window.corrections.move_keypoint(pid, names.index("nose"), 100.0, 100.0, 50)
    assert C.reach_of(s.result, pid, names.index("nose")) == (45, 55)
    assert make_window().corrections.reach == 5
