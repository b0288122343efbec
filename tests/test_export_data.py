"""The numbers as files: wide and long CSV, JSON and TRC from a real analysis of a real clip."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from posestudio.core.errors import DataExportError
from posestudio.core.io import trc
from posestudio.core.io.formats import export_data
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

RUNNING = "sports2d_demo3_running_side.mp4"
MODEL = "movenet-lightning"


@pytest.fixture(scope="module")
def result(videos_dir, require_model):
    from posestudio.core.analysis.run import analyse_video

    require_model(MODEL)
    res = analyse_video(videos_dir / RUNNING, MODEL)
    assert len(res.person_ids_present()) == 1, "a single-person model should track one runner"
    return res


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _num(cell):
    return float(cell) if cell != "" else np.nan


def _flexion(a, b, c):
    """Degrees between segment a->b and segment b->c (0 = in line), with plain numpy."""
    u, v = b - a, c - b
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def test_wide_csv_has_one_row_per_frame_and_the_documented_columns(result, tmp_path):
    from posestudio.core.kinematics import available_angles

    path = export_data(result, tmp_path / "wide.csv")
    header, rows = _read_csv(path)
    angles = [a.name for a in available_angles(result.keypoint_names)]
    expected = ["frame", "time_s", "person"]
    expected += [f"{k}_{c}" for k in result.keypoint_names for c in ("x", "y", "score")]
    for name in angles:
        expected += [name, f"{name}_raw", f"{name}_velocity"]
    assert header == expected
    assert len(rows) == result.frame_count
    assert [int(r[0]) for r in rows] == list(range(result.frame_count))
    assert np.allclose([float(r[1]) for r in rows], result.timestamps, atol=1e-6)
    col = {name: i for i, name in enumerate(header)}
    kps = np.array([[[_num(r[col[f"{k}_{c}"]]) for c in ("x", "y", "score")] for k in result.keypoint_names]
                    for r in rows])
    found = result.person_ids[:, 0] >= 0
    assert np.allclose(kps[found], result.keypoints[found, 0], atol=0.006, equal_nan=True)  # 2 and 4 decimals
    # the raw knee angle recomputed with plain numpy from the CSV's own keypoint columns matches its column on
    # every frame (so angles sit on the right rows); points count when scored 0.3 or more inside the picture
    names = list(result.keypoint_names)
    x, y = kps[..., 0], kps[..., 1]
    with np.errstate(invalid="ignore"):
        seen = (kps[..., 2] >= 0.3) & (x >= 0) & (y >= 0) & (x < result.width) & (y < result.height)

    def knee(hip_side, leg_side):  # the side fix may exchange knees and ankles, never hips
        idx = [names.index(f"{hip_side}_hip"), names.index(f"{leg_side}_knee"), names.index(f"{leg_side}_ankle")]
        return np.where(seen[:, idx].all(axis=1), _flexion(*(kps[:, i, :2] for i in idx)), np.nan)

    written = np.array([_num(r[col["left_knee_raw"]]) for r in rows])
    same, swapped = knee("left", "left"), knee("left", "right")
    ok = np.isfinite(written)
    assert ok.sum() > result.frame_count // 2
    assert np.all((np.abs(written - same) < 0.5)[ok] | (np.abs(written - swapped) < 0.5)[ok])
    assert (np.abs(written - same) < 0.5)[ok].mean() > 0.8
    assert np.all(ok[np.isfinite(same) & np.isfinite(swapped)])
    from posestudio.core.kinematics import angle_table

    # smoothed values are what the window shows: the same call the window makes (a check that the file uses
    # the window's settings; the filter itself is tested in test_kinematics_filtering)
    table = angle_table(result.track(result.person_ids_present()[0]), result.timestamps, result.keypoint_names)
    shown = table.filtered["right_knee"]
    written = np.array([_num(r[col["right_knee"]]) for r in rows])
    assert np.allclose(np.nan_to_num(shown, nan=-999), np.nan_to_num(written, nan=-999), atol=1e-3)
    speed = np.array([_num(r[col["right_knee_velocity"]]) for r in rows])
    assert np.isfinite(speed).sum() > result.frame_count // 2 and np.nanmax(np.abs(speed)) > 10  # a runner's knee moves


def test_raw_option_writes_unsmoothed_angles(result, tmp_path):
    header, rows = _read_csv(export_data(result, tmp_path / "raw.csv", smooth=False))
    i, j = header.index("left_knee"), header.index("left_knee_raw")
    assert all(r[i] == r[j] for r in rows)


def test_long_csv_is_one_row_per_frame_person_and_variable(result, tmp_path):
    wide_header, wide = _read_csv(export_data(result, tmp_path / "wide.csv"))
    header, rows = _read_csv(export_data(result, tmp_path / "long.csv", long=True))
    assert header == ["frame", "time_s", "person", "variable", "value"]
    variables = wide_header[3:]
    present = [i for i in range(result.frame_count) if result.people_in_frame(i)]
    assert len(rows) == len(present) * len(variables)
    first = [r for r in rows if r[0] == str(present[0])]
    assert [r[3] for r in first] == variables
    by_frame = {int(r[0]): r for r in wide}
    assert all(r[4] == by_frame[int(r[0])][wide_header.index(r[3])] for r in rows[:: max(1, len(rows) // 500)])


def test_trc_header_markers_and_flipped_y(result, tmp_path):
    path = export_data(result, tmp_path / "run.trc")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t")[:4] == ["PathFileType", "4", "(X/Y/Z)", "run.trc"]
    keys = lines[1].split("\t")
    assert keys == ["DataRate", "CameraRate", "NumFrames", "NumMarkers", "Units", "OrigDataRate",
                    "OrigDataStartFrame", "OrigNumFrames"]
    meta = dict(zip(keys, lines[2].split("\t")))
    k = len(result.keypoint_names)
    assert float(meta["DataRate"]) == pytest.approx(result.fps, rel=1e-4)
    assert int(meta["NumFrames"]) == result.frame_count and int(meta["NumMarkers"]) == k
    assert meta["Units"] == "px" and int(meta["OrigDataStartFrame"]) == 1
    names = [c for c in lines[3].split("\t")[2:] if c]
    assert names == list(result.keypoint_names)
    assert lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"] and lines[4].split("\t")[-1] == f"Z{k}"
    data = [line.split("\t") for line in lines[6:]]
    assert len(data) == result.frame_count and all(len(r) == 2 + 3 * k for r in data)
    assert [int(r[0]) for r in data] == list(range(1, result.frame_count + 1))
    values = np.array([[float(v) for v in r[2:]] for r in data]).reshape(result.frame_count, k, 3)
    track = result.track(result.person_ids_present()[0])
    sure = track[..., 2] >= DEFAULT_MIN_SCORE
    assert sure.sum() > 0 and np.isnan(values[~sure]).all()
    assert np.allclose(values[sure][:, 0], track[sure][:, 0], atol=0.01)
    assert np.allclose(values[sure][:, 1], result.height - track[sure][:, 1], atol=0.01)  # Y up
    assert np.all(values[sure][:, 2] == 0.0)
    # the head is above the ankles once Y points up
    nose, ankle = result.keypoint_names.index("nose"), result.keypoint_names.index("left_ankle")
    both = sure[:, nose] & sure[:, ankle]
    assert both.any() and np.all(values[both, nose, 1] > values[both, ankle, 1])


def test_trc_in_metres_when_calibrated(result, tmp_path):
    px = trc.write_trc(result, tmp_path / "px.trc")
    m = trc.write_trc(result, tmp_path / "m.trc", metres_per_pixel=0.004)
    assert m.read_text().splitlines()[2].split("\t")[4] == "m"
    a = np.array([float(v) for v in px.read_text().splitlines()[6].split("\t")[2:]])
    b = np.array([float(v) for v in m.read_text().splitlines()[6].split("\t")[2:]])
    ok = np.isfinite(a)
    assert np.allclose(b[ok], a[ok] * 0.004, atol=1e-4)


def test_json_is_the_analyze_format(result, tmp_path):
    data = json.loads(export_data(result, tmp_path / "run.json").read_text())
    assert list(data) == ["video", "model", "keypoint_names", "fps", "frame_count", "width", "height", "frames"]
    assert data["model"] == MODEL and data["keypoint_names"] == list(result.keypoint_names)
    assert (data["width"], data["height"], data["frame_count"]) == (result.width, result.height, result.frame_count)
    assert len(data["frames"]) == result.frame_count
    for i, frame in enumerate(data["frames"]):
        assert frame["index"] == i and frame["time_s"] == pytest.approx(result.timestamps[i], abs=1e-6)
        slots = np.flatnonzero(result.person_ids[i] >= 0)
        assert [p["id"] for p in frame["people"]] == [int(result.person_ids[i, s]) for s in slots]
        for person, s in zip(frame["people"], slots):
            assert person["score"] == pytest.approx(result.person_scores[i, s], abs=1e-4)
            written = np.array([[np.nan if v is None else v for v in kp] for kp in person["keypoints"]])
            assert np.allclose(written, result.keypoints[i, s], atol=0.006, equal_nan=True)  # 2 and 4 decimals


def test_unknown_formats_are_refused_in_one_sentence(result, tmp_path):
    with pytest.raises(DataExportError, match="csv, .json or .trc"):
        export_data(result, tmp_path / "run.xlsx")
    with pytest.raises(DataExportError, match="CSV"):
        export_data(result, tmp_path / "run.trc", long=True)
    assert list(tmp_path.iterdir()) == []
