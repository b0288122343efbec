"""Window side of the kinematics: summary table and range, custom angles by clicking, identity fixes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from posestudio.core import kinematics as kin
from posestudio.core.analysis.cache import load_cached
from posestudio.core.display import number_text
from posestudio.core.kinematics.custom_store import load_custom_angles, store_path
from posestudio.core.models.registry import DEFAULT_MODEL

RUNNING = "sports2d_demo3_running_side.mp4"
GYM = "mmaction2_basketball_gym_240p.mp4"


def _expected_table(window, names):
    """The AngleTable the CLI would build for the followed person, computed here independently."""
    result, data = window.session.result, window.session.angle_data
    kp = result.track(data.person)  # as the CLI: points BlazePose puts outside the picture count as missing
    defs = [kin.default_angle(n) for n in names]
    return kin.angle_table(kp, window.session.clip.timestamps, result.keypoint_names, angles=defs,
                           min_score=window.panel.choices().threshold, smoothing=window.panel.smoothing_box.isChecked())


def _wait_summary(window, qtbot):
    """The summary is computed on a pool thread; wait for the newest numbers."""
    qtbot.waitUntil(lambda: not window.summary.pending, timeout=5000)


def _cells(window, row):
    table = window.summary.table
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_summary_table_whole_clip_and_range_copy_and_seek(window, open_clip, wait_analysed, qtbot, videos_dir,
                                                          require_model):
    require_model(DEFAULT_MODEL)  # the window's own default
    open_clip(window, videos_dir / RUNNING)
    wait_analysed(window)
    _wait_summary(window, qtbot)
    names = list(window.session.angle_data.values)
    assert "left_knee" in names and window.summary.table.rowCount() == len(names)
    expected = _expected_table(window, names)
    whole = expected.summary()
    row = names.index("left_knee")
    assert window.summary.numbers["left_knee"]["range"] == pytest.approx(whole["left_knee"]["range"])
    # whole degrees in the table (keypoints from video do not support tenths; the files keep them)
    assert _cells(window, row)[:3] == [number_text(whole['left_knee'][k]) for k in ("min", "max", "range")]

    # a range chosen with the button, then dragged to 0.2-0.6 s (the drag's end is a region change)
    window.summary.range_button.click()
    assert window.timeline.region is not None
    window.timeline.region.setRegion((0.2, 0.6))
    qtbot.waitUntil(lambda: window.summary.range == pytest.approx((0.2, 0.6)), timeout=2000)
    _wait_summary(window, qtbot)
    part = expected.summary(0.2, 0.6)
    for name in names:
        for key in ("min", "max", "range", "mean", "t_min", "t_max", "reps"):
            got, want = window.summary.numbers[name][key], part[name][key]
            assert got == pytest.approx(want, nan_ok=True), (name, key)
    assert part["left_knee"]["range"] < whole["left_knee"]["range"]  # the range changes the numbers
    assert _cells(window, row)[2] == number_text(part['left_knee']['range'])
    assert window.summary.scope.text() == "0.20 s to 0.60 s"

    # copy: tab-separated, one header row and one row per angle
    QGuiApplication.clipboard().clear()
    window.summary.copy_button.click()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:3] == ["Angle", "Min (°)", "Max (°)"]
    knee = next(line.split("\t") for line in lines if line.startswith("Left knee\t"))
    assert knee[1:] == _cells(window, row)
    QGuiApplication.clipboard().clear()
    window.summary.table.setFocus()
    qtbot.waitUntil(window.summary.table.hasFocus, timeout=2000)
    qtbot.keyClick(window.summary.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text().count("\t") >= 8 * len(names)

    # a click on the time of the max seeks there
    col = 5
    t_max = part["left_knee"]["t_max"]
    rect = window.summary.table.visualRect(window.summary.table.model().index(row, col))
    qtbot.mouseClick(window.summary.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    frame = int(np.argmin(np.abs(window.session.clip.timestamps - t_max)))
    qtbot.waitUntil(lambda: window.playback.index == frame, timeout=3000)

    # back to the whole clip
    window.summary.clear_button.click()
    assert window.timeline.region is None and window.summary.range is None
    _wait_summary(window, qtbot)
    assert window.summary.numbers["left_knee"]["range"] == pytest.approx(whole["left_knee"]["range"])


def _pick_frame(result, person_slot, names, picks):
    """A frame where the picked joints are confident and far from every other joint (no ambiguity)."""
    idx = [names.index(p) for p in picks]
    best, best_gap = None, 0.0
    for f in range(result.frame_count):
        kp = result.keypoints[f, person_slot]
        if not (kp[idx, 2] >= 0.5).all():
            continue
        others = np.delete(kp[:, :2], idx, axis=0)
        others = others[np.isfinite(others).all(axis=1)]
        gap = min(np.hypot(*(others - kp[i, :2]).T).min() for i in idx)
        if gap > best_gap:
            best, best_gap = f, gap
    return best


def _click_joint(window, qtbot, frame_kp, names, name):
    x, y = frame_kp[names.index(name), :2]
    pos = window.view.map_from_image(float(x), float(y)).toPoint()
    qtbot.mouseClick(window.view, Qt.MouseButton.LeftButton, pos=pos + QPoint(3, -2))  # near, not exactly on


@pytest.mark.slow
def test_custom_angle_by_clicking_is_plotted_saved_and_usable_by_the_cli(
        window, open_clip, wait_analysed, qtbot, videos_dir, require_model, private_config, tmp_path):
    require_model(DEFAULT_MODEL)  # the window's own default
    clip = videos_dir / RUNNING
    open_clip(window, clip)
    result = wait_analysed(window)
    names = result.keypoint_names
    picks = ("right_shoulder", "right_elbow", "right_wrist")
    frame = _pick_frame(result, 0, names, picks)
    assert frame is not None
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame and bool(window.view.overlay.people), timeout=5000)
    kp = result.keypoints[frame, 0]

    # Esc cancels a started pick
    window.panel.add_angle_requested.emit("joint")
    assert window.view.picking and window.picker.isVisible()
    _click_joint(window, qtbot, kp, names, picks[0])
    assert len(window.picker.picked) == 1 and window.view.overlay.picked
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not window.view.picking and not window.view.overlay.picked

    window.panel.smoothing_box.setChecked(False)  # compare raw values exactly
    window.panel.add_angle_requested.emit("joint")
    for name in picks:
        _click_joint(window, qtbot, kp, names, name)
    assert [p[0] for p in window.picker.picked] == list(picks)
    # numbered markers on the video, the names in the panel's hint (long names covered each other)
    assert [t for _, _, t in window.view.overlay.picked] == ["1", "2", "3"]
    assert all(name in window.picker.hint.text() for name in picks)
    # the value on this frame is previewed before the angle is added, in the built-ins' flexion convention
    assert window.picker.preview.text().startswith("Now: ")
    qtbot.keyClicks(window.picker.name_edit, "arm_bend")
    qtbot.keyClick(window.picker.name_edit, Qt.Key.Key_Return)
    assert not window.view.picking
    qtbot.waitUntil(lambda: "arm_bend" in window.session.angle_data.values and "arm_bend" in window.timeline.curves,
                    timeout=5000)

    # an angle at a joint is its flexion, as the built-in elbow: 0 = straight (the segments in and out of it)
    defn = kin.make_angle("arm_bend", "segment_pair", (picks[0], picks[1], picks[1], picks[2]))
    track = result.track(window.session.angle_data.person)
    fixed, _ = kin.fix_side_swaps(track, names, window.panel.choices().threshold)  # as every angle table does
    want = kin.compute_angles(fixed, names, [defn], min_score=window.panel.choices().threshold)["arm_bend"]
    got = window.session.angle_data.values["arm_bend"]
    np.testing.assert_allclose(got, want, equal_nan=True)
    assert np.isfinite(got).sum() > 10
    _xs, ys = window.timeline.curves["arm_bend"].getOriginalDataset()
    np.testing.assert_allclose(ys, want, equal_nan=True)
    assert any(window.panel.angle_list.item(i).data(Qt.ItemDataRole.UserRole) == "arm_bend"
               for i in range(window.panel.angle_list.count()))

    # saved in the per-user JSON store, which the CLI reads by name
    assert store_path().parent == private_config
    assert [a.name for a in load_custom_angles()] == ["arm_bend"]
    assert json.loads(store_path().read_text())["angles"][0]["keypoints"] == [picks[0], picks[1], picks[1], picks[2]]
    builtin = window.session.angle_data.values.get("right_elbow")
    if builtin is not None:  # the same joint, the same convention: the same numbers
        np.testing.assert_allclose(got, builtin, atol=1e-6, equal_nan=True)
    out = tmp_path / "cli.csv"
    env = dict(os.environ, POSESTUDIO_CONFIG=str(private_config))
    done = subprocess.run([sys.executable, "-m", "posestudio", "analyze", str(clip), "-m", "movenet-lightning",
                           "-q", "-o", str(out), "--angles", "arm_bend"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    values = [float(r["arm_bend"]) for r in rows if r.get("arm_bend")]
    assert len(values) > 10 and all(0.0 <= v <= 180.0 for v in values)
    assert "left_knee" not in rows[0]  # only the named angle

    # delete from the list's context menu action
    window.panel.delete_angle_requested.emit("arm_bend")
    qtbot.waitUntil(lambda: "arm_bend" not in window.session.angle_data.values, timeout=5000)
    assert load_custom_angles() == []


@pytest.mark.slow
def test_swap_ids_from_a_frame_updates_everything_and_survives_reopening(
        make_window, open_clip, wait_analysed, analyse_with, qtbot, videos_dir):
    window = make_window()
    clip = videos_dir / GYM
    result = analyse_with(window, clip, "movenet-multipose")
    # every unsigned angle of every person stays in 0..180 (the elbow once spiked to 300 here)
    for pid in result.person_ids_present():
        window.panel.select_person(int(pid))
        qtbot.waitUntil(lambda p=pid: window.session.angle_data.person == p and window.session.angle_data.result is window.session.result,
                        timeout=5000)
        for name, values in window.session.angle_data.values.items():
            if kin.default_angle(name).kind in ("three_point", "segment_pair"):
                seen = values[np.isfinite(values)]  # a briefly seen person can have no trusted value at all
                assert ((seen >= 0.0) & (seen <= 180.0)).all(), (pid, name)

    before = result.person_ids.copy()
    both = [f for f in range(result.frame_count) if (before[f] >= 0).sum() >= 2]
    frame = both[len(both) // 2]
    a, b = (int(i) for i in before[frame][before[frame] >= 0][:2])
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.view.frame_index == frame, timeout=5000)
    kp = next(k for pid, k in window.view.overlay.people if pid == a)
    sure = kp[np.nan_to_num(kp[:, 2]) >= 0.3]
    pos = window.view.map_from_image(float(sure[:, 0].mean()), float(sure[:, 1].mean())).toPoint()
    QApplication.sendEvent(window.view, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                          window.view.mapToGlobal(pos)))
    menu = window.identities.last_menu
    swap_menu = next(act.menu() for act in menu.actions() if act.text().startswith(f"Swap id #{a}"))
    next(act for act in swap_menu.actions() if act.text() == f"#{b}").trigger()
    menu.close()

    ids = window.session.result.person_ids
    np.testing.assert_array_equal(ids[:frame], before[:frame])
    swapped = before[frame:].copy()
    swapped[before[frame:] == a], swapped[before[frame:] == b] = b, a
    np.testing.assert_array_equal(ids[frame:], swapped)
    # the overlay now labels that person with the other id
    qtbot.waitUntil(lambda: any(p == b and np.allclose(np.nan_to_num(k), np.nan_to_num(kp))
                                for p, k in window.view.overlay.people), timeout=5000)
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=10000)  # saved on a pool thread
    cached = load_cached(str(clip), "movenet-multipose")
    np.testing.assert_array_equal(cached.person_ids, ids)

    # reopening (a new window, from the cache) keeps the fix
    again = make_window()
    open_clip(again, clip)
    reopened = wait_analysed(again)
    np.testing.assert_array_equal(reopened.person_ids, ids)

    # Ctrl+Z in the first window undoes it, in the cache too
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(window.session.result.person_ids, before)
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=10000)
    np.testing.assert_array_equal(load_cached(str(clip), "movenet-multipose").person_ids, before)
