"""Choosing a person by a click in the window (issue 18): a click on a player the single-person model does not
follow re-analyses from that frame following them; Ctrl+Z brings the old result back; a click on the
background changes nothing. Real gym clip, real models, real mouse clicks.

Where the players are, from frame 60 of mmaction2_basketball_gym_240p.mp4 looked at (426x240): the girl in
white left of the pole, the boy in blue at the right; they move a few pixels a frame."""

from __future__ import annotations

import pytest
import numpy as np
from PySide6.QtCore import QPoint, Qt

GYM = "mmaction2_basketball_gym_240p.mp4"
FRAME = 60
GIRL_BOX = (100, 110, 175, 240)   # x0, y0, x1, y1 picture pixels around her at frames 60-62
BOY_BOX = (300, 110, 370, 245)
GIRL_AT, BOY_AT = (138, 175), (336, 185)   # on the shirt
BACKGROUND_AT = (405, 25)          # the wall at the top right, nobody near
LONG = 600000                      # a loaded 2-core machine: minutes for an analysis


def click_picture(qtbot, window, x: float, y: float) -> None:
    p = window.view.map_from_image(float(x), float(y))
    qtbot.mouseClick(window.view, Qt.MouseButton.LeftButton, pos=QPoint(round(p.x()), round(p.y())))


def at_frame(qtbot, window, frame: int) -> None:
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame and bool(window.view.overlay.people), timeout=20000)


def followed_inside(result, person: int, frame: int, box) -> float:
    """Share of the person's confident keypoints in `frame` inside the box (NaN: the person is not there)."""
    slots = np.flatnonzero(result.person_ids[frame] == person)
    if not slots.size:
        return float("nan")
    kp = result.keypoints[frame, slots[0]]
    ok = np.isfinite(kp[:, 0]) & (kp[:, 2] > 0.5)
    x0, y0, x1, y1 = box
    inside = (kp[ok, 0] >= x0) & (kp[ok, 0] <= x1) & (kp[ok, 1] >= y0) & (kp[ok, 1] <= y1)
    return float(inside.mean()) if ok.any() else float("nan")


def follow_by_click(qtbot, window, x: float, y: float):
    before = window.session.result
    click_picture(qtbot, window, x, y)
    assert window.person_choice.busy and window.progress.isVisible() and window.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not window.person_choice.busy, timeout=LONG)
    assert window.session.result is not before, window.statusBar().currentMessage()
    person = window.person_choice.outcome.person_id
    qtbot.waitUntil(lambda: window.session.angle_data is not None
                    and window.session.angle_data.result is window.session.result, timeout=30000)
    return before, person


@pytest.mark.slow
def test_a_click_on_the_other_player_follows_her_with_movenet_lightning(window, analyse_with, videos_dir, qtbot):
    result = analyse_with(window, videos_dir / GYM, "movenet-lightning", timeout=LONG)
    followed = window.session.angle_data.person
    assert followed_inside(result, followed, FRAME, BOY_BOX) > 0.9  # Lightning follows the boy here
    at_frame(qtbot, window, FRAME)
    kept = result.keypoints.copy()

    # the background: nobody there, nothing changes, and the window says so
    click_picture(qtbot, window, *BACKGROUND_AT)
    qtbot.waitUntil(lambda: not window.person_choice.busy, timeout=LONG)
    assert window.session.result is result and not window.session.undo_stack
    assert "No person under the click" in window.statusBar().currentMessage()

    # the person already followed: nothing to do
    click_picture(qtbot, window, *BOY_AT)
    assert not window.person_choice.busy and window.session.result is result

    # the girl: followed from frame 60 on
    before, girl = follow_by_click(qtbot, window, *GIRL_AT)
    after = window.session.result
    assert window.session.angle_data.person == girl and window.panel.choices().person == girl
    for frame in (FRAME, FRAME + 1, FRAME + 2):
        assert followed_inside(after, girl, frame, GIRL_BOX) > 0.9, frame
    assert np.array_equal(after.keypoints[:FRAME], kept[:FRAME], equal_nan=True)  # earlier frames as they were
    assert window.session.has_edits()  # "Analyse again" asks before losing it

    # Ctrl+Z: the whole result as it was
    window.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session.result is before, timeout=5000)
    assert np.array_equal(window.session.result.keypoints, kept, equal_nan=True)
    assert followed_inside(window.session.result, followed, FRAME, BOY_BOX) > 0.9


@pytest.mark.slow
def test_a_click_on_the_other_player_follows_him_with_blazepose(window, analyse_with, videos_dir, qtbot, tmp_path):
    result = analyse_with(window, videos_dir / GYM, "blazepose-full", timeout=LONG)
    followed = window.session.angle_data.person
    assert followed_inside(result, followed, FRAME, GIRL_BOX) > 0.9  # BlazePose follows the girl here
    at_frame(qtbot, window, FRAME)
    before, boy = follow_by_click(qtbot, window, *BOY_AT)
    after = window.session.result
    for frame in (FRAME, FRAME + 1, FRAME + 2):
        assert followed_inside(after, boy, frame, BOY_BOX) > 0.9, frame
    # the edit is saved to the cache like the others: reopening the clip brings it back
    window.edit_saver.wait(30000)
    from posestudio.core.analysis import cache

    saved = cache.load_cached(str(videos_dir / GYM), "blazepose-full")
    assert saved is not None and followed_inside(saved, boy, FRAME, BOY_BOX) > 0.9
    qtbot.waitUntil(lambda: window.view.frame_index == FRAME and any(
        t == boy for t, _kp in window.view.overlay.people), timeout=20000)
    window.view.grab().save(str(tmp_path / "followed_boy.png"))  # looked at: the skeleton on the boy


@pytest.mark.slow
def test_the_people_setting_analyses_several_people_with_blazepose(window, analyse_with, videos_dir, qtbot):
    window.panel.people_box.setValue(2)
    assert window.settings.people == 2
    result = analyse_with(window, videos_dir / GYM, "blazepose-full", timeout=LONG)
    assert result.max_people == 2 and result.keypoints.shape[2] == 33
    assert (result.person_ids >= 0).sum(axis=1).max() == 2  # both players at once somewhere
    # back to one person on the open clip: analysed again, one person a frame
    window.panel.people_box.setValue(1)
    qtbot.waitUntil(lambda: window.session.result is not result and window.session.result.complete
                    and not window.session.analysing, timeout=LONG)
    assert window.session.result.max_people == 1
    window.panel.set_model("movenet-multipose")
    assert not window.panel.people_box.isEnabled()
    assert "frames/s" in window.panel.model_box.itemData(
        window.panel.model_box.findData("blazepose-full"), Qt.ItemDataRole.ToolTipRole)


@pytest.mark.slow
def test_cancelling_the_follow_or_analysing_again_leaves_the_analysis_as_it_was(window, analyse_with, videos_dir, qtbot):
    result = analyse_with(window, videos_dir / GYM, "movenet-lightning", timeout=LONG)
    kept = result.keypoints.copy()
    at_frame(qtbot, window, FRAME)
    click_picture(qtbot, window, *GIRL_AT)
    assert window.person_choice.busy
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.person_choice.busy, timeout=LONG)
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.session.result is result and not window.session.undo_stack
    assert np.array_equal(result.keypoints, kept, equal_nan=True) and not window.progress.isVisible()

    # analysing again while a follow runs: the follow stops (the result it started from is being replaced)
    click_picture(qtbot, window, *GIRL_AT)
    assert window.person_choice.busy
    window.runner.start(force=True)
    assert not window.person_choice.busy and window.session.analysing
    assert window.progress.isVisible() and window.progress.format() == "analysing %p%"
    qtbot.waitUntil(lambda: not window.session.analysing, timeout=LONG)


@pytest.mark.slow
def test_hand_corrections_before_the_click_stay_those_after_it_go(window, analyse_with, videos_dir, qtbot):
    import dataclasses

    from posestudio.core.analysis import corrections

    result = analyse_with(window, videos_dir / GYM, "movenet-lightning", timeout=LONG)
    boy = window.session.angle_data.person
    s = window.session
    wrist = result.keypoint_names.index("left_wrist")
    corr = corrections.move(result, boy, 20, "left_wrist", 300.0, 150.0, reach=2)
    corr = corrections.move(dataclasses.replace(result, corrections=corr), boy, 100, "left_wrist", 310.0, 160.0,
                            reach=2)
    s.apply_edit(s.result.person_ids, s.result.left_out, corrections=corr)
    corrected = s.result
    assert np.allclose(corrected.keypoints[[20, 100], 0, wrist, :2], [[300, 150], [310, 160]])
    at_frame(qtbot, window, FRAME)
    before, girl = follow_by_click(qtbot, window, *GIRL_AT)
    after = window.session.result
    assert before is corrected
    assert np.allclose(after.keypoints[20, 0, wrist, :2], [300, 150])   # the key before the click stays
    assert len(after.corrections) < len(corrected.corrections)        # the one after it went with its rows
    assert not np.allclose(after.keypoints[100, 0, wrist, :2], [310, 160])
    assert followed_inside(after, girl, FRAME, GIRL_BOX) > 0.9
