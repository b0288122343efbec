"""The timeline's rows laid out at low cost: a row that goes between others moves the ones after it down
without taking them out of the scene, each change resizes the rows once, and rows come from spares made
ahead in idle turns."""

from __future__ import annotations

import numpy as np

from posestudio.app.timeline import Timeline
from posestudio.app.timeline.widget import SPARE_ROWS


def _curves(frames: int, names) -> dict[str, np.ndarray]:
    t = np.arange(frames) / 30.0
    return {n: 90 + 30 * np.sin(t + i) for i, n in enumerate(names)}


def test_a_row_between_others_moves_them_down_in_place(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(900, 700)
    timeline.show()
    qtbot.waitUntil(lambda: len(timeline._spares) == SPARE_ROWS, timeout=5000)   # made ahead, while idle
    frames = 3000
    t = np.arange(frames) / 30.0
    timeline.set_duration(float(t[-1]))
    values = _curves(frames, ["left_knee", "right_knee", "left_elbow", "trunk_lean"])
    timeline.set_curves(t, values)
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert timeline.row_keys() == ["knee", "elbow", "trunk"]
    assert len(timeline._spares) == SPARE_ROWS - 3   # the rows came from the spares
    scene = timeline.view.scene()
    kept = {key: row.plot for key, row in timeline.rows.items()}
    removed, resized = [], {key: 0 for key in kept}
    original_remove = scene.removeItem
    scene.removeItem = lambda item: (removed.append(item), original_remove(item))
    for key, row in timeline.rows.items():
        row.vb.sigResized.connect(lambda _vb, k=key: resized.__setitem__(k, resized[k] + 1))

    values = {**values, **_curves(frames, ["left_hip", "left_shoulder"])}   # hip after knee, shoulder after elbow
    timeline.set_curves(t, values)
    qtbot.waitUntil(lambda: timeline._pending is None, timeout=5000)
    assert timeline.row_keys() == ["knee", "hip", "elbow", "shoulder", "trunk"]
    assert not [item for item in removed if item in kept.values()]   # moved in the layout, not out of the scene
    assert all(timeline.rows[key].plot is plot for key, plot in kept.items())
    # two rows added one turn apart: each resizes the rows there once (was once per item added, and every row
    # taken out and put back when one went between others)
    assert max(resized.values()) <= 2, resized
    tops = [row.plot.geometry().top() for row in timeline.visible_rows()]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)   # shown top to bottom in the body's order
    # hiding a row moves the ones below it up, and showing it again puts it back in its place
    timeline.set_row_visible("hip", False)
    assert [r.key for r in timeline.visible_rows()] == ["knee", "elbow", "shoulder", "trunk"]
    timeline.set_row_visible("hip", True)
    tops = {row.key: row.plot.geometry().top() for row in timeline.visible_rows()}
    assert sorted(tops, key=tops.get) == ["knee", "hip", "elbow", "shoulder", "trunk"]


def test_new_rows_are_laid_out_together_and_drawn_one_per_turn(qtbot):
    """The first curves' rows are laid out together in a turn of their own (every row resized once, not once per
    new row); each row gets its curves and is drawn in turns of its own (opacity 0 until then: not painted)."""
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(900, 400)
    timeline.show()
    qtbot.waitUntil(lambda: len(timeline._spares) == SPARE_ROWS, timeout=5000)
    frames = 600
    t = np.arange(frames) / 30.0
    timeline.set_duration(float(t[-1]))
    laid = []
    relayout = timeline._relayout

    def recording():
        relayout()
        laid.append([(row.plot.opacity(), row.plot.geometry().top()) for row in timeline.visible_rows()])

    timeline._relayout = recording
    timeline.set_curves(t, _curves(frames, ["left_knee", "right_knee", "left_hip", "left_elbow"]), growing=True,
                        upto=60)
    assert timeline.row_keys() == ["knee", "hip", "elbow"] and not laid   # laid out in the next turn
    assert [bool(row.curves) for row in timeline.visible_rows()] == [True, False, False]   # the others' later
    qtbot.waitUntil(lambda: timeline._pending is None and all(
        row.plot.opacity() == 1.0 and row.label.opacity() == 1.0 for row in timeline.visible_rows()), timeout=2000)
    assert len(laid) == 1 and [opacity for opacity, _top in laid[0]] == [0.0, 0.0, 0.0]
    assert all(len(row.curves) == (2 if row.key == "knee" else 1) for row in timeline.visible_rows())
    tops = [top for _opacity, top in laid[0]]
    assert tops == sorted(tops) and len(set(tops)) == 3
    assert [row.plot.geometry().top() for row in timeline.visible_rows()] == tops   # shown where they were laid
