"""The timeline's rows: one per joint, left and right overlaid in the video's colours, rows that hide and come
back in their place, a read-out under the mouse that says what the curves say, and curves that grow from
the new samples only and draw what is in view."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from posestudio.app.timeline import Timeline
from posestudio.app.timeline.widget import MAIN
from posestudio.app.timeline.decimate import MinMaxPyramid
from posestudio.core.render import LEFT_RGB, RIGHT_RGB

RUNNING = "sports2d_demo3_running_side.mp4"


def _colour(curve) -> tuple[int, int, int]:
    c = curve.pen.color()
    return c.red(), c.green(), c.blue()


def _shown_timeline(qtbot) -> Timeline:
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(900, 400)
    timeline.show()
    return timeline


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


def test_growing_curves_work_on_the_new_samples_and_draw_what_is_in_view(qtbot):
    timeline = _shown_timeline(qtbot)
    frames = 20_000
    t = np.arange(frames) / 30.0
    values = {"left_knee": np.full(frames, np.nan), "right_knee": np.full(frames, np.nan)}
    timeline.set_duration(float(t[-1]))
    calls = []

    def grow(upto: int) -> None:
        for v in values.values():
            v[:upto] = np.where(np.isnan(v[:upto]), 90 + 30 * np.sin(t[:upto]), v[:upto])
        timeline.set_curves(t, values, growing=True, upto=upto)

    grow(5000)
    curve = timeline.curves["left_knee"]
    pyramid = curve.pyramid
    pyramid.update = (lambda original: (lambda *a: (calls.append(a), original(*a))))(pyramid.update)
    grow(5030)  # 30 new samples: only they are worked on, in the same pyramid
    assert calls == [(5030, [(5000, 5030)])] and curve.pyramid is pyramid
    xs, ys = curve.getOriginalDataset()
    assert len(xs) == 5030
    row = timeline.rows["knee"]
    qtbot.waitUntil(lambda: row.vb.width() > 300, timeout=20000)
    row.plot.setXRange(0.0, float(t[-1]), padding=0)   # the whole clip: a few points per pixel column
    drawn_x, drawn_y = curve.item.getData()
    assert 0 < len(drawn_x) <= 2 * row.vb.width() + 4
    assert np.nanmax(drawn_y) == np.nanmax(ys) and np.nanmin(drawn_y) == np.nanmin(ys)
    assert drawn_x[-1] <= t[5029]   # nothing drawn where no frame is analysed yet
    row.plot.setXRange(10.0, 20.0, padding=0)   # ten seconds: the samples themselves
    drawn_x, drawn_y = curve.item.getData()
    first = int(np.searchsorted(t, drawn_x[0]))
    np.testing.assert_array_equal(drawn_y, ys[first:first + len(drawn_y)])
    # zoomed in on an earlier part while frames arrive: nothing in view changes, nothing is drawn again
    drawn = []
    curve.item.setData = (lambda original: (lambda *a, **k: (drawn.append(a), original(*a, **k))))(curve.item.setData)
    grow(5100)
    assert drawn == [] and curve.count == 5100
    row.plot.setXRange(0.0, float(t[-1]), padding=0)
    assert drawn and curve.item.getData()[0][-1] > t[5030]   # in view again: the new samples are drawn
    # a custom angle of the body's centre gets the custom row, the trunk's angles the trunk row, after the joints
    timeline.set_curves(t, {**values, "trunk_lean": np.zeros(frames), "my_twist": np.ones(frames)})
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert timeline.row_keys() == ["knee", "trunk", "custom"]
    with pytest.raises(KeyError):
        timeline.rows["hip"]


def test_whole_curves_are_set_one_row_a_turn_and_another_clips_come_after_all_of_them(qtbot):
    """A finished analysis's curves redraw every row's axes: one row a turn keeps each turn short."""
    timeline = _shown_timeline(qtbot)
    frames = 900
    t = np.arange(frames) / 30.0
    timeline.set_duration(float(t[-1]))
    names = ["left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow"]

    def curves(level: float) -> dict:
        return {n: level + 20 * np.sin(t + i) for i, n in enumerate(names)}

    timeline.set_curves(t, curves(90.0))
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert timeline.row_keys() == ["knee", "hip", "elbow"]

    def rows_with(values: dict) -> list[str]:
        return [key for key, row in timeline.rows.items()
                if all(c.y is values[n] for (clip, n), c in row.curves.items() if clip == MAIN)]

    final = curves(40.0)
    timeline.set_curves(t, final)
    assert len(rows_with(final)) == 1   # this turn: one row; the others in the turns after
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert sorted(rows_with(final)) == ["elbow", "hip", "knee"]
    for row in timeline.rows.values():
        low, high = row.vb.viewRange()[1]
        assert low <= 20.0 and 60.0 <= high < 90.0   # fitted to the new curves
    # another clip's curves (compare mode) while rows are still to set: this clip's are all set first
    newest = curves(100.0)
    timeline.set_curves(t, newest)
    timeline.set_clip_curves("other", t, curves(70.0), dashed=True)
    assert sorted(rows_with(newest)) == ["elbow", "hip", "knee"]
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert all(any(k[0] == "other" for k in row.curves) for row in timeline.rows.values())


def test_two_fronts_redraw_their_spans_not_the_stretch_between(qtbot):
    """Segments of the clip analysed side by side: the timeline is handed the spans they filled and works out
    those only (handing it the lowest changed sample redid everything from there to the end: half the clip
    each second with two fronts half a clip apart); what it shows is a build from scratch."""
    timeline = _shown_timeline(qtbot)
    frames = 100_000
    t = np.arange(frames) / 30.0
    full = 90 + 30 * np.sin(t) + np.random.default_rng(1).normal(0, 2, frames)
    values = {"left_knee": np.full(frames, np.nan)}
    timeline.set_duration(float(t[-1]))
    half = frames // 2
    values["left_knee"][:100] = full[:100]
    values["left_knee"][half:half + 100] = full[half:half + 100]
    timeline.set_curves(t, values, growing=True, upto=half + 100)
    curve = timeline.curves["left_knee"]
    pyramid = curve.pyramid
    fronts = [100, half + 100]
    for _ in range(10):
        spans = [(fronts[1], fronts[1] + 30), (fronts[0], fronts[0] + 30)]   # out of order
        for a, b in spans:
            values["left_knee"][a:b] = full[a:b]
        fronts = [fronts[0] + 30, fronts[1] + 30]
        before = pyramid.computed
        timeline.set_curves(t, values, growing=True, upto=fronts[1], changed=spans)
        assert curve.pyramid is pyramid and pyramid.computed - before < 200
    fresh = MinMaxPyramid(t, values["left_knee"].copy(), fronts[1])
    for k in range(1, len(pyramid.lo)):
        n = -(-fronts[1] >> k)
        np.testing.assert_array_equal(pyramid.lo[k][:n], fresh.lo[k][:n])
        np.testing.assert_array_equal(pyramid.hi[k][:n], fresh.hi[k][:n])
    y0, y1 = timeline.rows["knee"].vb.viewRange()[1]
    assert y0 <= np.nanmin(values["left_knee"]) and y1 >= np.nanmax(values["left_knee"])


def test_playback_leaves_out_cursor_moves_under_a_pixel_and_a_still_puts_it_exactly(qtbot):
    timeline = _shown_timeline(qtbot)
    frames = 9000   # a 5-minute clip at 30 frames a second: a frame is far less than a pixel of the plot
    t = np.arange(frames) / 30.0
    timeline.set_duration(float(t[-1]))
    timeline.set_curves(t, {"left_knee": np.linspace(60.0, 170.0, frames)})
    qtbot.waitUntil(lambda: bool(timeline.visible_rows()), timeout=5000)
    row = timeline.visible_rows()[0]
    qtbot.waitUntil(lambda: row.seconds_per_pixel(timeline.devicePixelRatioF()) > 0, timeout=5000)
    pixel = row.seconds_per_pixel(timeline.devicePixelRatioF())
    assert 0.2 < pixel < 0.6   # ~300 s over the plot's few hundred pixels
    timeline.set_cursor(10.0)
    timeline.set_cursor(10.0 + pixel / 2, if_visible=True)   # playback: it would not show
    assert row.cursor.value() == timeline.cursor.value() == 10.0
    timeline.set_cursor(10.0 + 1.5 * pixel, if_visible=True)   # it shows: it moves
    assert row.cursor.value() == timeline.cursor.value() == 10.0 + 1.5 * pixel
    timeline.set_cursor(10.0 + 1.6 * pixel)   # a still: exactly where asked
    assert row.cursor.value() == 10.0 + 1.6 * pixel


def test_a_row_made_ahead_has_its_curve_items_ready(qtbot):
    from posestudio.app.timeline.rows import JointRow

    spare, keyed = JointRow("", lambda *_: None), JointRow("knee", lambda *_: None)
    ready = list(spare._spare_items)
    assert len(ready) == 2 and all(item in spare.plot.items for item in ready) and keyed._spare_items == []
    t = np.arange(100) / 30.0
    spare.set_key("knee")
    spare.set_curves("main", t, {"left_knee": np.full(100, 90.0), "right_knee": np.full(100, 100.0)}, 100, None, False)
    used = {id(c.item) for c in spare.curves.values()}
    assert used == {id(item) for item in ready} and spare._spare_items == []
    assert _colour(spare.curves[("main", "left_knee")]) == tuple(LEFT_RGB)
    assert spare.curves[("main", "left_knee")].item.opts["pen"].color().getRgb()[:3] == tuple(LEFT_RGB)


def test_a_row_labelled_before_its_curves_keeps_that_label(qtbot):
    """A new row is labelled from the angles it is about to show, before the layout; its curves, set in a later
    turn, must leave the label alone (a label changing after the layout laid out every row again)."""
    from posestudio.app.timeline.rows import JointRow

    t = np.arange(100) / 30.0
    # given out of the order they are drawn in: two centre angles' colours follow that order
    for key, names in (("knee", ["right_knee", "left_knee"]), ("trunk", ["trunk_lean", "trunk"])):
        row = JointRow("", lambda *_: None)
        row.set_key(key)
        row.update_label(names)
        before = row._label_text
        assert "<b>" in before and before.count("<span") == 2
        written = []
        row.label.setText = lambda text, **kw: written.append(text)
        row.set_curves(MAIN, t, {n: np.full(100, 90.0 + i) for i, n in enumerate(names)}, 100, None, False)
        assert row._label_text == before and written == []
