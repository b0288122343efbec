"""What the user must not miss is shown in the window: a file that cannot be opened (with advice that fits
the failure), and where every export went, with a link to its folder (issue 20)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

RUNNING = "sports2d_demo3_running_side.mp4"


def test_a_truncated_mp4_gets_a_visible_message_with_fitting_advice(window, open_clip, drop, qtbot, videos_dir):
    open_clip(window, videos_dir / RUNNING)
    drop(window, [videos_dir / "awkward" / "truncated_half.mp4"])
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "truncated_half.mp4" in bar.plain_text(), timeout=10000)
    text = bar.plain_text()
    assert "index" in text and "ffmpeg" not in text  # ffmpeg cannot read it either
    assert "&#" not in text and "'truncated_half.mp4'" in bar.text.text()  # no escapes shown as they are
    assert f"{RUNNING} stays open" in text
    assert window.session.clip.path.endswith(RUNNING)
    # the bar sits over the video, as wide as the window allows, and goes when a good clip opens
    assert bar.width() <= window.width()
    open_clip(window, videos_dir / "mmaction2_basketball_gym_240p.mp4")
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5000)


def test_random_bytes_keep_the_general_advice(window, drop, qtbot, videos_dir):
    drop(window, [videos_dir / "awkward" / "random_bytes.mp4"])
    qtbot.waitUntil(lambda: "random_bytes.mp4" in window.message_bar.plain_text(), timeout=10000)
    assert "not a video Pose Studio can read" in window.message_bar.plain_text()


def test_exports_name_their_path_and_remember_their_folder(window, analyse_with, videos_dir, tmp_path, qtbot,
                                                          monkeypatch):
    analyse_with(window, videos_dir / RUNNING, "movenet-lightning")
    offered = []
    target = tmp_path / "out" / "numbers.csv"
    target.parent.mkdir()

    def save_as(_parent, _title, suggested, _filters, *a, **k):
        offered.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.exports.export_data()
    bar = window.message_bar
    qtbot.waitUntil(lambda: target.is_file() and "Open folder" in bar.plain_text(), timeout=30000)
    assert str(target) in window.statusBar().currentMessage()
    assert str(target) in bar.plain_text()
    # the next data export starts in the folder the last one went to; other kinds keep their own
    window.exports.export_data()
    assert Path(offered[1]).parent == target.parent
    assert window.exports.folder("plot") != str(target.parent)
