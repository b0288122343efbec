"""The export dialog and plot export, offscreen: a real clip is written, cancel leaves nothing."""

from __future__ import annotations

import av
import pytest

pytest.importorskip("pytestqt")

RUNNING = "sports2d_demo3_running_side.mp4"
DRIBBLE = "mmhuman3d_basketball_dribble_portrait12.mp4"  # 1080x1920, 12 fps


def _dialog(qtbot, videos_dir, out):
    from posestudio.app.export_dialog import ExportVideoDialog

    dlg = ExportVideoDialog(str(videos_dir / RUNNING), None, width=480, height=352, duration=1.53,
                            in_out=(0.2, 1.0))
    qtbot.addWidget(dlg)
    dlg.path_edit.setText(str(out))
    return dlg


def test_dialog_exports_the_chosen_range_at_a_smaller_size(qtbot, videos_dir, tmp_path):
    from posestudio.app.export_dialog import ExportVideoDialog
    from posestudio.core.video.source import VideoSource

    out = tmp_path / "clip.mp4"
    with VideoSource(videos_dir / DRIBBLE) as src:
        # the end is a frame time and that frame is included (as the transport shows times)
        expected = int(((src.timestamps >= 0.5 - 5e-4) & (src.timestamps <= 2.0 + 5e-4)).sum())
        dlg = ExportVideoDialog(str(src.path), None, width=src.width, height=src.height, duration=src.duration,
                                in_out=(0.5, 2.0))
    qtbot.addWidget(dlg)
    dlg.path_edit.setText(str(out))
    heights = [dlg.size_combo.itemData(i) for i in range(dlg.size_combo.count())]
    assert heights[0] is None and all(h < 1920 for h in heights[1:])  # original, then smaller sizes only
    dlg.size_combo.setCurrentIndex(heights.index(360))
    with qtbot.waitSignal(dlg.exported, timeout=60000) as sig:
        dlg.export_button.click()
    report = sig.args[0]
    with av.open(str(out)) as c:
        frames = sum(1 for _ in c.decode(video=0))
        assert c.streams.video[0].codec_context.height == report.height == 360
    assert frames == report.frames == expected


def test_dialog_cancel_leaves_no_file(qtbot, videos_dir, tmp_path):
    out = tmp_path / "clip.mp4"
    dlg = _dialog(qtbot, videos_dir, out)
    dlg.start()
    dlg.thread.cancel()  # as the Cancel button does
    qtbot.waitUntil(lambda: dlg.thread is None, timeout=60000)
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in dlg.message.text() or "Saved" in dlg.message.text()


def test_plot_png_and_svg(qtbot, tmp_path):
    import numpy as np
    import pyqtgraph as pg

    from posestudio.app.export_dialog import write_plot

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.plot(np.linspace(0, 2, 50), 90 + 30 * np.sin(np.linspace(0, 6, 50)))
    png = write_plot(widget.getPlotItem(), str(tmp_path / "angles.png"), width=800)
    svg = write_plot(widget.getPlotItem(), str(tmp_path / "angles.svg"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["angles.png", "angles.svg"]
