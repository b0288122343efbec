"""The live window on real MPEG-TS streams served on 127.0.0.1 from a test clip (no camera on the test
machine): live skeleton frames and counters, recording that opens as a clip with its analysis, faults."""

from __future__ import annotations

import pytest
import time
from pathlib import Path

import numpy as np

from live_stream import served
from posestudio.bench.stream_serve import free_port

CLIP = "mmaction2_basketball_gym_240p.mp4"  # 426x240 at 29.97 fps: the smallest real clip with people
MODEL = "movenet-lightning"


def _go_live(window, qtbot, url, tmp_path):
    window.panel.set_model(MODEL)
    window.live.folder = tmp_path / "recordings"
    window.live.open_source(url)
    qtbot.waitUntil(lambda: window.live.analysis is not None, timeout=30000)
    live = window.live
    qtbot.waitUntil(lambda: live.drawn >= 5, timeout=30000)
    return live


def _wait_opened(window, qtbot, path: Path):
    qtbot.waitUntil(lambda: window.live.finishing is None, timeout=120000)
    qtbot.waitUntil(lambda: window.session.clip is not None and Path(window.session.clip.path) == path,
                    timeout=30000)
    qtbot.waitUntil(lambda: window.session.analysis is None and window.session.result is not None
                    and bool(window.session.result.analysed.all()), timeout=60000)
    return window.session.result


@pytest.mark.slow
def test_stream_live_then_recorded_opens_as_a_clip_with_its_analysis(window, qtbot, videos_dir, require_model,
                                                                     tmp_path):
    require_model(MODEL)
    with served(videos_dir / CLIP, seconds=60.0, loop=True) as (url, _):
        live = _go_live(window, qtbot, url, tmp_path)
        analysis = live.analysis
        # the skeleton drawn is the one computed for the frame on screen
        qtbot.waitUntil(lambda: live.shown is not None and bool(live.shown.people), timeout=30000)
        pose = live.shown
        shown = window.view.displayed_frame()
        assert window.view.frame_index == pose.frame.index and np.array_equal(shown, pose.picture)
        assert shown.shape == (240, 426, 3) and shown.std() > 5
        drawn = dict(window.view.overlay.people)
        assert all(drawn[pid] is p.keypoints for p, pid in zip(pose.people, pose.person_ids))
        first = analysis.stats().received
        qtbot.waitUntil(lambda: "dropped" in live.live_panel.counters.text(), timeout=10000)
        assert live.latencies and all(0 < x < 10 for x in live.latencies)
        window.live.toggle_recording()  # as Ctrl+Shift+R or the button
        path = live.recording
        assert path is not None and live.live_panel.record_button.text().startswith("Stop")
        start = analysis.source.received  # the recording begins with the next frame
        qtbot.waitUntil(lambda: analysis.source.received >= start + 60, timeout=30000)  # ~2 s recorded
        assert live.live_panel.plot.listDataItems() or not window.panel.choices().angles
        window.live.toggle_recording()
        stop = live.live_panel.stop_button  # while the recording is completed, it offers to skip that
        assert live.finishing is None or (stop.isEnabled() and stop.text() == "Skip completing")
        result = _wait_opened(window, qtbot, path)
    summary = live.summary
    s = summary.stats
    assert s.analysed + s.dropped == s.received > first
    assert summary.recording.report.path == path and path.is_file()
    assert result.frame_count == summary.recording.report.frames >= 59
    assert summary.recording.report.first_index >= start
    # the clip's analysis is the one saved by the live session (cached), not a new run
    np.testing.assert_array_equal(result.keypoints, summary.recording.result.keypoints)
    assert window.live.analysis is None and not window.live.live_panel.stop_button.isEnabled()


def test_closed_port_is_one_sentence_and_the_window_stays_usable(window, qtbot, tmp_path):
    url = f"tcp://127.0.0.1:{free_port()}"
    began = time.monotonic()
    window.live.open_source(url)
    assert window.live.opening is not None  # the GUI thread did not wait for the answer
    qtbot.waitUntil(lambda: window.live.opening is None, timeout=15000)
    assert time.monotonic() - began < 15
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "error"
    text = bar.text.text()
    assert url in text and "Traceback" not in text and text.count(". ") == 0
    assert window.live.live_panel.reconnect_button.isVisible() and window.live.analysis is None
    window.live.reconnect()  # offered, and it tries again (and fails again, with the same sentence)
    qtbot.waitUntil(lambda: window.live.opening is None, timeout=15000)
    assert window.live.live_panel.reconnect_button.isVisible()


@pytest.mark.slow
def test_stream_killed_mid_recording_opens_the_recording_so_far(window, qtbot, videos_dir, require_model, tmp_path):
    require_model(MODEL)
    with served(videos_dir / CLIP, seconds=30.0) as (url, server):
        live = _go_live(window, qtbot, url, tmp_path)
        analysis = live.analysis
        live.toggle_recording()
        path = live.recording
        start = analysis.source.received
        qtbot.waitUntil(lambda: analysis.source.received >= start + 40, timeout=30000)
        server.kill()
        result = _wait_opened(window, qtbot, path)
    summary = live.summary
    assert summary.fault and "ended" in summary.fault
    assert summary.recording.report.frames == result.frame_count >= 40
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "warning" and "ended" in bar.text.text() and path.name in bar.text.text()
    assert live.live_panel.reconnect_button.isVisible()



def test_camera_option_reaches_the_window(monkeypatch):
    import posestudio.app.launch as launch_module
    from posestudio import cli

    calls = []
    monkeypatch.setattr(launch_module, "launch", lambda videos, camera=None: calls.append((videos, camera)) or 0)
    assert cli.main(["--camera", "udp://127.0.0.1:5000"]) == 0
    assert cli.main(["--camera"]) == 0
    assert cli.main(["clip.mp4"]) == 0
    assert calls == [([], "udp://127.0.0.1:5000"), ([], "0"), (["clip.mp4"], None)]


def test_cameras_are_listed_by_their_driver_names(tmp_path):
    from posestudio.app.live.sources import list_cameras

    for n, name in ((10, "Rear camera\n"), (0, "Integrated Webcam: HD\n"), (2, "")):
        (tmp_path / f"video{n}").mkdir()
        (tmp_path / f"video{n}" / "name").write_text(name)
    (tmp_path / "v4l-subdev0").mkdir()
    assert list_cameras(tmp_path) == [("/dev/video0", "Integrated Webcam: HD (/dev/video0)"),
                                      ("/dev/video2", "Camera (/dev/video2)"),
                                      ("/dev/video10", "Rear camera (/dev/video10)")]


def test_source_dialog_from_the_file_menu_opens_the_typed_address(window, qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from posestudio.app.live.dialog import SourceDialog

    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "camera" in a.text().lower())
    action.trigger()
    dialog = window.findChild(SourceDialog)
    assert dialog is not None and dialog.isVisible()
    url = f"tcp://127.0.0.1:{free_port()}"
    dialog.box.setEditText(url)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).click()
    assert window.live.spec == url and window.live.opening is not None
    qtbot.waitUntil(lambda: window.live.opening is None, timeout=15000)
    assert url in window.message_bar.text.text()


@pytest.mark.slow
def test_closing_the_window_mid_recording_leaves_a_playable_recording(make_window, qtbot, videos_dir,
                                                                      require_model, tmp_path):
    import av

    require_model(MODEL)
    window = make_window()
    with served(videos_dir / CLIP, seconds=60.0, loop=True) as (url, _):
        live = _go_live(window, qtbot, url, tmp_path)
        analysis = live.analysis
        live.toggle_recording()
        path = live.recording
        start = analysis.source.received
        qtbot.waitUntil(lambda: analysis.source.received >= start + 30, timeout=30000)
        window.close()  # finishes the session on a worker; the close waits for it
        assert analysis.source.ended.is_set()
    assert path.is_file()
    with av.open(str(path)) as c:
        assert sum(1 for _ in c.decode(video=0)) >= 30
