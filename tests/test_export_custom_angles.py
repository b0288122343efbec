"""Custom angles saved in the window are exported like built-in ones (data columns and the small plot)."""

from __future__ import annotations

import numpy as np

from posestudio.core.analysis import person_angles as tracks
from posestudio.core.kinematics import compute_angles
from posestudio.core.kinematics.custom import make_angle
from posestudio.core.kinematics.custom_store import load_custom_angles, save_custom_angles
from posestudio.core.models.skeleton import BLAZEPOSE33, COCO17


def test_saved_custom_angle_is_offered_where_its_keypoints_exist():
    save_custom_angles([make_angle("toe_reach", "three_point", ("left_knee", "left_heel", "left_foot_index"))])
    assert "toe_reach" in [a.name for a in tracks.available_angles(BLAZEPOSE33.names, load_custom_angles())]
    # MoveNet has no heel: the angle cannot be computed there, so it is not offered
    assert "toe_reach" not in [a.name for a in tracks.available_angles(COCO17.names, load_custom_angles())]


def test_exported_custom_angle_values_equal_the_kinematics_values():
    angle = make_angle("arm_open", "three_point", ("left_hip", "left_shoulder", "left_wrist"))
    save_custom_angles([angle])
    names = COCO17.names
    kp = np.zeros((3, len(names), 3), np.float32)
    kp[..., 2] = 1.0
    pts = {"left_hip": (0, 100), "left_shoulder": (0, 0), "left_wrist": (100, 0)}  # a right angle
    for name, (x, y) in pts.items():
        kp[:, names.index(name), :2] = (x, y)
    offered = {a.name: a for a in tracks.available_angles(names, load_custom_angles())}
    assert "arm_open" in offered
    values = compute_angles(kp, names, [offered["arm_open"]])["arm_open"]
    np.testing.assert_allclose(values, 90.0, atol=1e-6)


def test_unknown_name_lists_the_saved_custom_angles_too():
    import pytest

    from posestudio.core.kinematics.custom import resolve_angles
    from posestudio.core.kinematics.custom_store import load_custom_angles

    save_custom_angles([make_angle("arm_open", "three_point", ("left_hip", "left_shoulder", "left_wrist"))])
    with pytest.raises(Exception) as err:
        resolve_angles("left_knee,arm_opn", load_custom_angles())
    assert "arm_open" in str(err.value) and "left_knee" in str(err.value)


def test_custom_angles_the_caller_passes_are_exported_and_nothing_is_read_from_disk(tmp_path):
    import csv

    from posestudio.core.analysis.result import AnalysisResult
    from posestudio.core.io.formats import export_data

    angle = make_angle("arm_open", "three_point", ("left_hip", "left_shoulder", "left_wrist"))
    save_custom_angles([make_angle("saved_only", "three_point", ("left_hip", "left_knee", "left_ankle"))])
    names = COCO17.names
    r = AnalysisResult.empty(4, 1, names, model_id="m", keypoint_set="coco17", video_path="v", fingerprint="f",
                             width=640, height=480, fps=30.0)
    r.keypoints[:, 0, :, 2] = 0.9
    r.keypoints[:, 0, :, :2] = (300, 200)
    for name, (x, y) in {"left_hip": (300, 300), "left_shoulder": (300, 200), "left_wrist": (400, 200)}.items():
        r.keypoints[:, 0, names.index(name), :2] = (x, y)  # a right angle at the shoulder
    r.person_ids[:, 0] = 0
    r.timestamps[:] = np.arange(4) / 30
    r.analysed[:] = True
    with open(export_data(r, tmp_path / "with.csv", custom=[angle], smooth=False), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(row["arm_open_raw"]) for row in rows] == [90.0] * 4
    assert "saved_only" not in rows[0]  # what is saved on disk is the caller's business
    with open(export_data(r, tmp_path / "without.csv"), newline="") as fh:
        assert "arm_open" not in next(csv.reader(fh))
