"""Settings that change the numbers are said when they are not the defaults, with one click back; the
person followed on one clip is not carried to the next (issue 20, item 7)."""

from __future__ import annotations

import pytest
from posestudio.app.settings import DEFAULT_MODEL, DEFAULT_THRESHOLD

RUNNING = "sports2d_demo3_running_side.mp4"


def test_non_default_settings_are_shown_and_reset_in_one_click(window, qtbot, open_clip, videos_dir):
    panel = window.panel
    assert not panel.changed_box.isVisibleTo(panel)
    panel.threshold_slider.setValue(64)
    panel.smoothing_box.setChecked(False)
    assert panel.changed_box.isVisibleTo(panel)
    assert "confidence 0.64" in panel.changed_note.text() and "not smoothed" in panel.changed_note.text()
    with qtbot.waitSignal(panel.choices_changed, timeout=5000):
        panel.reset_button.click()
    choices = panel.choices()
    assert choices.threshold == DEFAULT_THRESHOLD and choices.smoothing and panel.model_id == DEFAULT_MODEL
    assert not panel.changed_box.isVisibleTo(panel)
    assert window.settings.threshold == DEFAULT_THRESHOLD


def test_the_followed_person_is_not_carried_to_another_clip(window, open_clip, videos_dir, qtbot):
    window.settings.person = 3
    open_clip(window, videos_dir / RUNNING)
    assert window.settings.person == -1 and window.panel.choices().person == -1


@pytest.mark.slow
def test_a_click_picks_a_person_only_on_that_person(window, analyse_with, videos_dir, qtbot):
    import numpy as np
    from PySide6.QtCore import QPoint, Qt

    analyse_with(window, videos_dir / "mmaction2_basketball_gym_240p.mp4", "movenet-multipose", timeout=300000)
    window.playback.seek(60)
    qtbot.waitUntil(lambda: window.view.frame_index == 60 and len(window.view.overlay.people) >= 2, timeout=10000)
    followed = window.panel.choices().person
    # a click to give the video focus, away from everyone (the top-left corner of the picture)
    corner = window.view.map_from_image(3.0, 3.0)
    qtbot.mouseClick(window.view, Qt.MouseButton.LeftButton, pos=QPoint(int(corner.x()), int(corner.y())))
    assert window.panel.choices().person == followed
    # a click on a person follows that person
    track, kp = next((t, k) for t, k in window.view.overlay.people if t != window.session.angle_data.person)
    ok = np.isfinite(kp[:, 0])
    centre = window.view.map_from_image(float(np.mean(kp[ok, 0])), float(np.mean(kp[ok, 1])))
    qtbot.mouseClick(window.view, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y())))
    qtbot.waitUntil(lambda: window.panel.choices().person == track, timeout=5000)


def test_several_people_are_named_and_reset_to_one(window, qtbot):
    panel = window.panel
    assert panel.model_id == DEFAULT_MODEL  # BlazePose full: the people setting applies
    asked = []
    panel.model_requested.connect(asked.append)
    panel.people_box.setValue(3)
    assert panel.changed_box.isVisibleTo(panel) and "3 people" in panel.changed_note.text()
    assert window.settings.people == 3 and asked == [DEFAULT_MODEL]
    panel.reset_button.click()
    assert panel.people_box.value() == 1 and window.settings.people == 1 and panel.choices().people == 1
    assert panel.people_box.suffix() == " person"
    assert not panel.changed_box.isVisibleTo(panel)
    assert asked == [DEFAULT_MODEL, DEFAULT_MODEL]  # analysed again with one person, once


def test_people_is_not_named_for_a_model_that_ignores_it(window):
    from posestudio.app.settings_defaults import changed_settings

    assert changed_settings("movenet-multipose", "MoveNet MultiPose", 3, DEFAULT_THRESHOLD, True) == [
        "model MoveNet MultiPose"]
    assert "3 people followed (default 1)" in changed_settings(DEFAULT_MODEL, "BlazePose full", 3,
                                                               DEFAULT_THRESHOLD, True)
