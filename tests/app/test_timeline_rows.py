"""The timeline's rows: one per joint, left and right overlaid in the video's colours, rows that hide and come
back in their place, a read-out under the mouse that says what the curves say, and curves that grow by
redrawing their last piece only."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from posestudio.app.timeline import Timeline
from posestudio.app.timeline.rows import CHUNK
from posestudio.core.render import LEFT_RGB, RIGHT_RGB

RUNNING = "sports2d_demo3_running_side.mp4"


def _colour(curve) -> tuple[int, int, int]:
    c = curve.pen.color()
    return c.red(), c.green(), c.blue()


def test_rows_per_joint_hide_keep_order_and_read_out(make_window, analyse_with, videos_dir, qtbot):
    window = make_window()
    analyse_with(window, videos_dir / RUNNING, "movenet-lightning")
    timeline, data = window.timeline, window.session.angle_data
    shown = list(data.values)
    families = {n.split("_", 1)[1] for n in shown}
    assert families == {"knee", "hip", "elbow"}, shown   # the default angles
    assert timeline.row_keys() == ["knee", "hip", "elbow"]  # one row per joint, in the body's order
    for key in timeline.row_keys():
        curves = {name: c for (_, name), c in timeline.rows[key].curves.items()}
        assert set(curves) == {f"left_{key}", f"right_{key}"}   # left and right in the same row
        assert _colour(curves[f"left_{key}"]) == LEFT_RGB and _colour(curves[f"right_{key}"]) == RIGHT_RGB
        _t, y = curves[f"left_{key}"].getOriginalDataset()
        np.testing.assert_array_equal(y, data.values[f"left_{key}"])

    # hide a row from the Rows menu: the others keep their order; shown again, it is back in its place
    action = next(a for a in timeline.rows_menu.actions() if a.text() == "Hip")
    action.trigger()
    assert [r.key for r in timeline.visible_rows()] == ["knee", "elbow"]
    assert timeline.rows["hip"].plot not in timeline.view.ci.items
    timeline.set_row_visible("hip", True)
    assert [r.key for r in timeline.visible_rows()] == ["knee", "hip", "elbow"]

    # the read-out at a known time gives the frame showing then and each visible curve's value
    ts = data.timestamps
    frame = int(np.flatnonzero(np.isfinite(data.values["left_knee"]) & np.isfinite(data.values["right_knee"]))[5])
    seconds = float(ts[frame]) + 0.3 * float(ts[frame + 1] - ts[frame])   # between two frames: the earlier shows
    text = timeline.readout_at(seconds)
    assert text.startswith(f"{seconds:.2f} s (frame {frame})")
    for name in shown:
        value = data.values[name][frame]
        label = name.replace("_", " ").capitalize()
        assert (f"{label} {value:.1f}°" if np.isfinite(value) else f"{label} —") in text
    timeline.set_row_visible("elbow", False)
    assert "elbow" not in timeline.readout_at(seconds).lower()
    timeline.set_row_visible("elbow", True)

    # the mouse over a row shows it above the plots
    row = timeline.visible_rows()[0]
    qtbot.waitUntil(lambda: row.vb.sceneBoundingRect().width() > 300, timeout=20000)
    y_mid = sum(row.vb.viewRange()[1]) / 2
    pos = timeline.view.mapFromScene(row.vb.mapViewToScene(QPointF(seconds, y_mid)))
    timeline.view.scene().sigMouseMoved.emit(timeline.view.mapToScene(pos))
    assert timeline.readout.text().split(" (frame")[0] == timeline.readout_at(seconds).split(" (frame")[0]
    assert "Left knee" in timeline.readout.text()


def test_growing_curves_redraw_their_last_piece_only(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    frames = 3 * CHUNK + 100
    t = np.arange(frames) / 30.0
    values = {"left_knee": np.full(frames, np.nan), "right_knee": np.full(frames, np.nan)}
    timeline.set_duration(float(t[-1]))
    calls = []

    def grow(upto: int) -> None:
        for v in values.values():
            v[:upto] = np.where(np.isnan(v[:upto]), 90 + 30 * np.sin(t[:upto]), v[:upto])
        timeline.set_curves(t, values, growing=True, upto=upto)

    grow(CHUNK + 50)
    curve = timeline.curves["left_knee"]
    assert len(curve.pieces) == 2
    for piece in curve.pieces:
        piece.setData = (lambda original, p=piece: (lambda *a, **k: (calls.append(p), original(*a, **k))))(piece.setData)
    grow(CHUNK + 80)  # 30 new samples inside the second piece: only it is handed over again
    assert calls == [curve.pieces[1]]
    calls.clear()
    grow(2 * CHUNK + 10)  # into a third piece: the second is completed, the third made
    assert len(curve.pieces) == 3 and calls == [curve.pieces[1]]
    xs, ys = curve.getOriginalDataset()
    assert len(xs) == 2 * CHUNK + 10
    # the pieces together draw every sample once, sharing one at each join
    drawn = np.concatenate([p.getOriginalDataset()[1][:-1] for p in curve.pieces[:-1]]
                           + [curve.pieces[-1].getOriginalDataset()[1]])
    np.testing.assert_array_equal(drawn, ys)
    # a custom angle of the body's centre gets the custom row, the trunk's angles the trunk row, after the joints
    timeline.set_curves(t, {**values, "trunk_lean": np.zeros(frames), "my_twist": np.ones(frames)})
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert timeline.row_keys() == ["knee", "trunk", "custom"]
    with pytest.raises(KeyError):
        timeline.rows["hip"]
