"""Settings that change the numbers are said when they are not the defaults, with one click back; the
person followed on one clip is not carried to the next (issue 20, item 7)."""

from __future__ import annotations

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
