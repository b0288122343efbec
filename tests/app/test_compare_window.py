"""Compare mode and the cycles view in a real window: real clips, real models."""

from __future__ import annotations

import csv
import warnings
from fractions import Fraction

import av
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

LIGHTNING = "movenet-lightning"


def cut_copy(src, dst, first: int, last: int, height: int = 360) -> float:
    """Frames [first, last) of `src`, scaled to `height`, re-encoded as H.264 at the same rate; returns the
    time of `first` in the source."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        rate = Fraction(vin.average_rate)
        stream = out.add_stream("libx264", rate=rate)
        stream.height = height
        stream.width = int(round(vin.codec_context.width * height / vin.codec_context.height / 2)) * 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        t_first = None
        for i, frame in enumerate(inp.decode(vin)):
            if i >= last:
                break
            if i < first:
                continue
            t_first = float(frame.time) if t_first is None else t_first
            img = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
            img.pts = i - first
            img.time_base = 1 / rate
            for packet in stream.encode(img):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return t_first


def drop_at(widget, paths, x: int) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(x, widget.height() // 2)
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(widget, enter)
    QApplication.sendEvent(widget, QDropEvent(QPointF(pos), *args))


@pytest.fixture
def dumbbell_pair(videos_dir, tmp_path):
    """A: the first 8 s of the dumbbell clip; B: the same from 1 s (30 frames) on."""
    src = videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4"
    a, b = tmp_path / "dumbbell_a.mp4", tmp_path / "dumbbell_b.mp4"
    t0 = cut_copy(src, a, 0, 240)
    t1 = cut_copy(src, b, 30, 240)
    return a, b, t1 - t0


@pytest.mark.slow
def test_compare_sync_nudge_summary_and_exports(window, analyse_with, qtbot, dumbbell_pair, tmp_path):
    a, b, true_offset = dumbbell_pair
    analyse_with(window, a, LIGHTNING)
    compare = window.compare
    drop_at(window, [b], int(window.width() * 0.8))   # the right half: compare, not open
    qtbot.waitUntil(lambda: compare.active, timeout=20000)
    assert window.session.clip.path == str(a)          # A stays the main clip
    assert compare.splitter is not None and compare.view_b.isVisible() and window.view.isVisible()
    qtbot.waitUntil(lambda: compare.comparison is not None and compare.comparison.sync.method == "correlation",
                    timeout=180000)
    c = compare.comparison
    frame = 1 / 29.97
    # B starts 1 s into A's movement: B's time of a moment is A's minus the cut
    assert abs(c.sync.offset_s + true_offset) <= frame, c.sync.offset_s
    assert "B -1.0" in compare.title_b.text()
    # the panes show matching frames: A's frame i is B's frame i - 30
    window.playback.seek(120)
    qtbot.waitUntil(lambda: compare.view_b.frame_index >= 0 and window.view.frame_index == 120, timeout=10000)
    assert compare.view_b.frame_index == 90
    # B's curves are drawn dashed in the timeline's rows, on A's clock
    b_curves = [cv for row in window.timeline.rows.values() for (k, _n), cv in row.curves.items() if k == "B"]
    assert b_curves
    # the summary table has A, B and B - A per angle
    rows = compare.summary.rows
    name = next(iter(c.numbers))
    assert rows[(name, "B - A")]["range"] == pytest.approx(rows[(name, "B")]["range"] - rows[(name, "A")]["range"])
    # a nudge of B moves the offset by one of B's frames and the pane by one frame
    before = c.sync.offset_s
    compare.nudge_b(1)
    qtbot.waitUntil(lambda: compare.comparison.nudged_s != 0.0, timeout=10000)
    assert compare.comparison.sync.offset_s - before == pytest.approx(frame, abs=1e-3)
    qtbot.waitUntil(lambda: compare.view_b.frame_index == 91, timeout=10000)
    assert "nudged" in compare.title_b.text()
    # a moment marked in each: A's frame 60 and the B frame on show (91) are the same moment
    window.playback.seek(60)
    qtbot.waitUntil(lambda: compare.view_b.frame_index == 31, timeout=10000)
    compare.mark_a()
    compare.mark_b()
    qtbot.waitUntil(lambda: compare.comparison.sync.method == "events", timeout=30000)
    t_a, t_b = compare.comparison.t_a, compare.comparison.t_b
    assert compare.comparison.sync.offset_s == pytest.approx(t_b[31] - t_a[60], abs=1e-6)
    assert "marked moments" in compare.title_b.text()
    # time warping: the window says B is time-warped; on this pair the warp keeps about the same offset
    compare.resync("dtw")
    qtbot.waitUntil(lambda: compare.comparison.sync.method == "dtw", timeout=120000)
    assert "time-warped" in compare.title_b.text()
    assert abs(compare.comparison.sync.offset_s + true_offset) <= 2 * frame
    compare.resync("auto")
    qtbot.waitUntil(lambda: compare.comparison.sync.method == "correlation", timeout=60000)
    # the cycles view puts A's and B's cycles together
    window.cycles.dock.show()
    qtbot.waitUntil(lambda: len(window.cycles.reports) == 2, timeout=60000)
    assert [label for label, _p, _r in window.cycles.reports] == ["A", "B"]
    assert "; B: " in window.cycles.panel.header.text()
    window.cycles.dock.hide()

    # exports: the aligned CSV and a playable side-by-side MP4
    data = tmp_path / "aligned.csv"
    compare.exports.export_data(str(data))
    qtbot.waitUntil(lambda: compare.exports.task is None and data.exists(), timeout=30000)
    with open(data) as fh:
        header = next(csv.reader(fh))
    assert header[:2] == ["time_s", "b_time_s"] and any(h.startswith("b_") for h in header[2:])
    video = tmp_path / "side.mp4"
    compare.exports.export_video(str(video))
    qtbot.waitUntil(lambda: compare.exports.task is None, timeout=180000)
    assert video.exists()
    with av.open(str(video)) as f:
        frames = [fr for fr in f.decode(video=0)]
    a_width = 640
    assert len(frames) >= 200 and frames[0].width > a_width   # both halves, every common moment
    # leaving compare mode puts the single-clip window back
    compare.leave()
    assert not compare.active and compare.splitter is None and window.view.isVisible()
    assert not [k for row in window.timeline.rows.values() for (k, _n) in row.curves if k == "B"]
    assert window.session.clip.path == str(a)


def test_broken_file_as_b_leaves_a(window, open_clip, qtbot, videos_dir):
    a = videos_dir / "sports2d_demo3_running_side.mp4"
    open_clip(window, a)
    window.compare.open_b(str(videos_dir / "awkward" / "random_bytes.mp4"))
    qtbot.waitUntil(lambda: window.message_bar.isVisible(), timeout=20000)
    text = window.message_bar.plain_text()
    assert "random_bytes.mp4" in text and "sports2d_demo3_running_side.mp4 stays open" in text
    assert text.count(". ") == 0   # one sentence
    assert not window.compare.active and window.compare.splitter is None
    assert window.session.clip.path == str(a) and window.view.frame_index == 0


@pytest.mark.slow
def test_cycle_view_matches_core_and_exports(window, analyse_with, qtbot, videos_dir, tmp_path):
    from posestudio.app.compare.jobs import followed_curves
    from posestudio.core.kinematics.cycles import person_cycles

    clip = videos_dir / "sports2d_demo_walk_jumpingjacks_flip.mp4"
    result = analyse_with(window, clip, "movenet-multipose", timeout=600000)  # a loaded machine
    window.cycles.dock.show()
    panel = window.cycles.panel
    qtbot.waitUntil(lambda: bool(panel.mean_items), timeout=60000)
    person = window.session.angle_data.person
    pid, angles = followed_curves(result, person)
    report = person_cycles(result.track(pid), result.timestamps, tuple(result.keypoint_names), angles)
    shown = {name for (label, name) in panel.mean_items}
    assert shown == {n for n, cc in report.curves.items() if cc.n.any()}
    for name in shown:
        _x, y = panel.mean_items[("A", name)].getData()
        np.testing.assert_allclose(y, report.curves[name].mean, equal_nan=True)
    counts = {s: sc.count for s, sc in report.sides.items()}
    for side, n in counts.items():
        assert f"{side} {n} " in panel.header.text()
    if report.kind == "gait":   # contacts and toe offs on the timeline
        assert window.cycles._markers
    # the table as CSV
    out = tmp_path / "cycles.csv"
    window.cycles.export_table(str(out))
    qtbot.waitUntil(out.exists, timeout=20000)
    with open(out) as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["clip", "person", "angle", "cycle_pct", "mean", "sd", "n"]
    assert len(rows) == 1 + 101 * len(shown)
    # a range on the timeline limits the cycles to it
    t_end = float(result.timestamps[-1])
    window.timeline.set_range(0.0, t_end / 2)
    window.timeline.range_changed.emit((0.0, t_end / 2))
    limited = person_cycles(result.track(pid), result.timestamps, tuple(result.keypoint_names), angles,
                            start=0.0, end=t_end / 2)
    qtbot.waitUntil(lambda: "selected range" in panel.header.text() and window.cycles.reports
                    and window.cycles.reports[0][2].sides["left"].count == limited.sides["left"].count,
                    timeout=30000)
