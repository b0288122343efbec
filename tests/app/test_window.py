"""The real window on real clips: open by drop, analyse, play, step, seek from the plot, errors, settings."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from posestudio.core.video.source import VideoSource
from posestudio.core.models.registry import DEFAULT_MODEL

RUNNING = "sports2d_demo3_running_side.mp4"


@pytest.fixture
def running(videos_dir):
    return videos_dir / RUNNING


def test_drop_opens_clip_and_shows_frame_zero(window, drop, qtbot, running):
    t0 = time.perf_counter()
    drop(window, [running])
    qtbot.waitUntil(lambda: window.view.frame_index == 0, timeout=10000)
    elapsed = time.perf_counter() - t0
    with VideoSource(running) as source:
        expected = source.frame_at(0)
    assert np.array_equal(window.view.displayed_frame(), expected)
    assert RUNNING in window.windowTitle()
    assert window.transport.time_label.text().startswith("0:00.000")
    assert elapsed < 3.0, f"frame 0 took {elapsed:.2f} s to appear"


def test_analysis_completes_and_skeleton_sits_on_frames_with_the_person(
        window, open_clip, wait_analysed, qtbot, running, require_model):
    require_model(DEFAULT_MODEL)  # the window's own default
    open_clip(window, running)
    result = wait_analysed(window)
    assert result.model_id == DEFAULT_MODEL
    scores = np.nan_to_num(result.keypoints[:, 0, :, 2])
    confident = (scores >= window.panel.choices().threshold).sum(axis=1)
    frame = int(np.argmax(confident))
    assert confident[frame] >= 10, "the runner should be found on at least one frame"
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame, timeout=5000)
    overlay = window.view.overlay
    assert len(overlay.people) == 1
    _, kp = overlay.people[0]
    inside = ((kp[:, 0] >= 0) & (kp[:, 0] < result.width) & (kp[:, 1] >= 0) & (kp[:, 1] < result.height)
              & (kp[:, 2] >= overlay.threshold))
    assert inside.sum() >= 10
    qtbot.waitUntil(lambda: len(window.timeline.curves) > 0, timeout=5000)
    xs, ys = next(iter(window.timeline.curves.values())).getOriginalDataset()
    assert np.isfinite(ys).sum() > len(ys) // 3
    # angles are computed on a pool thread after the result arrives; their values then sit by the joints
    assert window.panel.labels_box.isChecked()
    qtbot.waitUntil(lambda: bool(window.view.overlay.labels), timeout=5000)
    for text, x, y, side, _outward in window.view.overlay.labels:
        assert text.endswith("°") and 0 <= x < result.width and 0 <= y < result.height


def test_space_plays_and_the_cursor_and_counter_move(window, open_clip, qtbot, running):
    open_clip(window, running)
    label_before = window.transport.time_label.text()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.playback.playing
    qtbot.waitUntil(lambda: window.playback.index >= 5, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.playback.playing
    index = window.playback.index
    assert window.timeline.cursor.value() == pytest.approx(window.session.clip.timestamps[index])
    assert window.transport.time_label.text() != label_before
    assert f"frame {index} /" in window.transport.time_label.text()
    qtbot.waitUntil(lambda: window.view.frame_index == index, timeout=5000)


def test_playback_follows_the_real_timestamps(window, open_clip, qtbot, running):
    open_clip(window, running)
    t0 = time.perf_counter()
    window.playback.play()
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=10000)
    elapsed = time.perf_counter() - t0
    duration = window.session.clip.timestamps[-1]
    assert window.playback.index == window.session.clip.frame_count - 1
    assert duration * 0.9 < elapsed < duration + 1.0, f"{elapsed:.2f} s to play a {duration:.2f} s clip"


def test_click_in_the_plot_seeks(window, open_clip, qtbot, running):
    open_clip(window, running)
    plot = window.timeline.view
    qtbot.waitUntil(lambda: bool(window.timeline.visible_rows()), timeout=60000)  # rows come with the curves
    vb = window.timeline.visible_rows()[0].vb
    qtbot.waitUntil(lambda: vb.sceneBoundingRect().width() > 300, timeout=5000)  # laid out
    target = 1.0  # seconds
    y_mid = sum(vb.viewRange()[1]) / 2
    scene_pos = vb.mapViewToScene(QPointF(target, y_mid))
    pos = plot.mapFromScene(scene_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    timestamps = window.session.clip.timestamps
    expected = int(np.searchsorted(timestamps, target + 1e-6, side="right")) - 1
    qtbot.waitUntil(lambda: window.view.frame_index == window.playback.index, timeout=5000)
    # a pixel of the plot spans a few ms; the frame must be the one showing at about 1 s
    assert abs(window.playback.index - expected) <= 1
    assert abs(timestamps[window.playback.index] - target) < 0.05
    assert window.timeline.cursor.value() == pytest.approx(timestamps[window.playback.index])


def test_right_steps_exactly_one_frame(window, open_clip, qtbot, running):
    open_clip(window, running)
    window.playback.seek(10)
    qtbot.waitUntil(lambda: window.view.frame_index == 10, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.view.frame_index == 11, timeout=5000)
    with VideoSource(running) as source:
        assert np.array_equal(window.view.displayed_frame(), source.frame_at(11))
        qtbot.keyClick(window, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: window.view.frame_index == 10, timeout=5000)
        assert np.array_equal(window.view.displayed_frame(), source.frame_at(10))
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    expected = int(np.searchsorted(window.session.clip.timestamps, window.session.clip.timestamps[10] + 1.0 + 1e-6, "right")) - 1
    assert window.playback.index == expected
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.playback.index == window.session.clip.frame_count - 1
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.playback.index == 0


def test_dropping_random_bytes_says_so_and_keeps_the_clip(window, open_clip, drop, qtbot, running, videos_dir):
    open_clip(window, running)
    window.playback.seek(5)
    qtbot.waitUntil(lambda: window.view.frame_index == 5, timeout=5000)
    drop(window, [videos_dir / "awkward" / "random_bytes.mp4"])
    qtbot.waitUntil(lambda: "random_bytes.mp4" in window.statusBar().currentMessage(), timeout=10000)
    message = window.statusBar().currentMessage()
    assert "Traceback" not in message and message.count(". ") == 0, message  # one sentence
    assert window.session.clip.path.endswith(RUNNING)
    assert RUNNING in window.windowTitle()
    assert window.view.frame_index == 5
    window.playback.step(1)
    qtbot.waitUntil(lambda: window.view.frame_index == 6, timeout=5000)  # the clip still plays


def test_dropping_a_non_video_names_it_and_queues_extra_videos(window, drop, qtbot, videos_dir, shared_data):
    drop(window, [shared_data / "MANIFEST.md"])
    assert "MANIFEST.md is not a video" in window.statusBar().currentMessage()
    assert window.session.clip is None
    second = videos_dir / "pose2sim_single_cam01_portrait60.mp4"
    drop(window, [videos_dir / RUNNING, second])
    qtbot.waitUntil(lambda: window.session.clip is not None, timeout=10000)
    assert window.session.clip.path.endswith(RUNNING)
    assert window.opener.queue == [str(second)]
    assert window.panel.queue_list.count() == 1


def test_settings_persist_across_windows(make_window, qtbot):
    first = make_window()
    first.panel.threshold_slider.setValue(55)
    first.panel.smoothing_box.setChecked(False)
    first.panel.labels_box.setChecked(False)
    item = first.panel.angle_list.item(0)
    name = item.data(Qt.ItemDataRole.UserRole)
    item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                       else Qt.CheckState.Checked)
    wanted = first.panel.wanted_angles()
    first.transport.speed_box.setCurrentIndex(0)
    first.splitter.setSizes([500, 300])
    sizes = first.splitter.sizes()
    first.close()

    second = make_window()
    assert second.panel.choices().threshold == pytest.approx(0.55)
    assert not second.panel.smoothing_box.isChecked()
    assert not second.panel.labels_box.isChecked()
    assert second.panel.wanted_angles() == wanted
    assert (name in wanted) == (name in second.settings.angles)
    assert second.playback.speed == pytest.approx(0.25)
    assert second.splitter.sizes() == sizes


def test_declining_the_model_change_keeps_the_results(window, open_clip, wait_analysed, qtbot, running,
                                                      require_model):
    require_model("movenet-lightning")
    window.panel.set_model("movenet-lightning")
    window.settings.model_id = "movenet-lightning"
    open_clip(window, running)
    wait_analysed(window)
    asked = []
    window.runner.confirm_reanalyse = lambda model: asked.append(model) or False
    window.panel.model_box.setCurrentIndex(window.panel.model_box.findData("movenet-thunder"))
    assert asked == ["movenet-thunder"]
    assert window.panel.model_id == "movenet-lightning"
    assert window.session.analysis is None and window.session.result.model_id == "movenet-lightning"


def test_ctrl_e_opens_the_export_dialog_without_blocking(window, open_clip, qtbot, running):
    from posestudio.app.export_dialog import ExportVideoDialog

    open_clip(window, running)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.findChildren(ExportVideoDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()


@pytest.mark.slow
def test_accepting_a_model_change_analyses_again(window, open_clip, wait_analysed, qtbot, running, require_model):
    require_model("movenet-lightning")
    require_model("movenet-thunder")
    window.panel.set_model("movenet-lightning")
    window.settings.model_id = "movenet-lightning"
    open_clip(window, running)
    wait_analysed(window)
    window.runner.confirm_reanalyse = lambda model: True
    window.panel.model_box.setCurrentIndex(window.panel.model_box.findData("movenet-thunder"))
    assert window.session.analysis is not None and window.runner.model_id == "movenet-thunder"
    qtbot.waitUntil(lambda: window.session.result is not None and window.session.result.model_id == "movenet-thunder"
                    and window.session.analysis is None, timeout=90000)
    assert window.settings.model_id == "movenet-thunder"


def test_uncaught_errors_become_one_sentence_in_the_status_bar(window):
    import sys

    from posestudio.app.errors import install_excepthook
    from posestudio.core.errors import ModelMissingError

    saved = sys.excepthook
    try:
        install_excepthook(window.status.error)
        try:
            raise ModelMissingError("movenet-thunder")
        except ModelMissingError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        assert "posestudio models build movenet-thunder" in window.statusBar().currentMessage()
        try:
            raise ZeroDivisionError("boom")
        except ZeroDivisionError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        message = window.statusBar().currentMessage()
        assert "ZeroDivisionError" in message and "log" in message and "Traceback" not in message
    finally:
        sys.excepthook = saved


@pytest.mark.slow
def test_multi_person_ids_and_click_to_follow(window, open_clip, wait_analysed, qtbot, videos_dir, require_model):
    require_model("movenet-multipose")
    window.panel.set_model("movenet-multipose")
    window.settings.model_id = "movenet-multipose"
    open_clip(window, videos_dir / "mmaction2_basketball_gym_240p.mp4")
    result = wait_analysed(window, timeout=120000)
    qtbot.waitUntil(lambda: window.session.angle_data is not None and len(window.session.angle_data.tracks) >= 2, timeout=5000)
    # a frame where at least two people are confidently found
    scores = np.nan_to_num(result.keypoints[..., 2])
    confident_people = ((scores >= 0.3).sum(axis=2) >= 8).sum(axis=1)
    frame = int(np.argmax(confident_people))
    assert confident_people[frame] >= 2
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame, timeout=5000)
    overlay = window.view.overlay
    assert overlay.show_ids and len(overlay.people) >= 2
    followed = window.session.angle_data.person
    other_id, kp = next((pid, kp) for pid, kp in overlay.people
                        if pid != followed and ((kp[:, 2] >= 0.3).sum() >= 8))
    sure = kp[kp[:, 2] >= 0.3]
    target = window.view.map_from_image(float(sure[:, 0].mean()), float(sure[:, 1].mean()))
    qtbot.mouseClick(window.view, Qt.MouseButton.LeftButton, pos=target.toPoint())
    qtbot.waitUntil(lambda: window.session.angle_data.person == other_id, timeout=5000)
    assert window.panel.person_box.currentData() == other_id


def test_about_lists_models_with_licences_without_blocking(window):
    from posestudio.app.about import AboutDialog

    window.show_about()
    dialogs = [d for d in window.findChildren(AboutDialog) if d.isVisible()]
    assert len(dialogs) == 1 and not dialogs[0].isModal()
    from PySide6.QtWidgets import QLabel

    text = " ".join(label.text() for label in dialogs[0].findChildren(QLabel))
    assert "MoveNet Lightning" in text and "BlazePose Heavy" in text and "Apache-2.0" in text
    dialogs[0].close()


def test_opened_clips_go_to_the_recent_files_menu(make_window, open_clip, running):
    first = make_window()
    open_clip(first, running)
    assert first.settings.recent_files[0] == str(running)
    first.close()
    second = make_window()
    titles = [a.text() for a in second.recent_menu.actions()]
    assert RUNNING in titles
