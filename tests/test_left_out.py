"""Leaving out body parts the model got wrong: marks per detection, ranges, errors, the angle table."""

import dataclasses

import numpy as np
import pytest

from posestudio.core.analysis.id_edits import swap_ids
from posestudio.core.kinematics import COCO17_NAMES, angle_table
from posestudio.core.analysis.left_out import LeaveOutError, leave_out, left_out_ranges, part_mask, put_back
from posestudio.core.analysis.result import AnalysisResult

F = 12


def _standing(x0: float) -> np.ndarray:
    """(17, 3) a person standing with straight arms and legs, confident everywhere."""
    pts = {"nose": (0, -60), "left_eye": (-3, -63), "right_eye": (3, -63), "left_ear": (-6, -62),
           "right_ear": (6, -62), "left_shoulder": (-15, -40), "right_shoulder": (15, -40),
           "left_elbow": (-18, -15), "right_elbow": (18, -15), "left_wrist": (-20, 10), "right_wrist": (20, 10),
           "left_hip": (-10, 20), "right_hip": (10, 20), "left_knee": (-10, 60), "right_knee": (10, 60),
           "left_ankle": (-10, 100), "right_ankle": (10, 100)}
    kp = np.array([[x0 + pts[n][0], 200 + pts[n][1], 0.9] for n in COCO17_NAMES], dtype=np.float32)
    return kp


def _two_people() -> AnalysisResult:
    r = AnalysisResult.empty(F, 2, COCO17_NAMES, model_id="movenet-multipose", keypoint_set="coco17",
                             video_path="x.mp4", fingerprint="f", width=640, height=480, fps=30.0)
    for f in range(F):
        r.keypoints[f, 0], r.keypoints[f, 1] = _standing(150), _standing(450)
        r.person_ids[f] = (0, 1)
    r.timestamps[:] = np.arange(F) / 30.0
    r.analysed[:] = True
    return r


def test_a_part_is_left_out_of_one_person_over_the_frames_asked():
    r = _two_people()
    mask = leave_out(r, 1, 3, 6, "left arm")
    arm = part_mask("left arm", COCO17_NAMES)
    assert arm.sum() == 2  # COCO-17 has elbow and wrist (no hand points)
    assert mask[3:7, 1][:, arm].all() and not mask[3:7, 1][:, ~arm].any()
    assert not mask[:3].any() and not mask[7:].any() and not mask[:, 0].any()
    r.left_out = mask
    assert left_out_ranges(r, 1) == [(3, 6, ("left arm",))]
    assert left_out_ranges(r, 0) == []
    r.left_out = leave_out(r, 1, 5, 8, "whole body")
    assert left_out_ranges(r, 1) == [(3, 4, ("left arm",)), (5, 8, ("whole body",))]
    r.left_out = put_back(r, 1, 0, F)
    assert not r.left_out.any()


def test_marks_stay_with_the_detection_when_ids_are_swapped():
    r = _two_people()
    r.left_out = leave_out(r, 1, 0, F - 1, "right leg")
    swapped = dataclasses.replace(r, person_ids=swap_ids(r.person_ids, 0, 1, from_frame=6))
    assert left_out_ranges(swapped, 1) == [(0, 5, ("right leg",))]
    assert left_out_ranges(swapped, 0) == [(6, F - 1, ("right leg",))]


def test_the_angle_table_leaves_those_samples_out_and_keeps_the_rest():
    r = _two_people()
    r.left_out = leave_out(r, 0, 4, 7, "left leg")
    table = angle_table(r.track(0), r.timestamps, r.keypoint_names, left_out=r.left_out_of(0))
    assert np.isnan(table.raw["left_knee"][4:8]).all() and np.isfinite(table.raw["left_knee"][:4]).all()
    assert np.isfinite(table.raw["right_knee"]).all() and np.isfinite(table.raw["left_elbow"]).all()
    assert r.left_out_of(1) is None  # the other person has nothing left out


def test_requests_that_cannot_be_carried_out_say_why():
    r = _two_people()
    with pytest.raises(LeaveOutError, match="Unknown body part 'tail'"):
        leave_out(r, 0, 0, 3, "tail")
    with pytest.raises(LeaveOutError, match="Person #7 is not in frames 0-3"):
        leave_out(r, 7, 0, 3, "left arm")


def test_what_is_left_out_is_not_drawn_on_the_model_s_own_side_labels():
    from posestudio.core.analysis.left_out import drawn_keypoints, in_model_sides

    r = _two_people()
    assert drawn_keypoints(r) is r.keypoints  # nothing left out: nothing copied
    r.left_out = leave_out(r, 1, 2, 4, "left leg")
    drawn = drawn_keypoints(r)
    leg = part_mask("left leg", COCO17_NAMES)
    assert (drawn[2:5, 1][:, leg, 2] == 0).all() and (drawn[2:5, 1][:, ~leg, 2] > 0).all()
    assert (drawn[:, 0, :, 2] > 0).all() and (r.keypoints[..., 2] > 0).all()  # the result itself untouched
    # where the curves relabelled a mixed-up pair of legs, the model's right leg is the curves' left one
    row = r.left_out[3, 1]
    swapped = in_model_sides(row, COCO17_NAMES, arms_swapped=False, legs_swapped=True)
    assert (swapped == part_mask("right leg", COCO17_NAMES)).all()
    assert (in_model_sides(row, COCO17_NAMES, arms_swapped=True, legs_swapped=False) == row).all()


def test_the_json_file_records_what_was_left_out():
    from posestudio.core.io.json_format import to_json_dict

    r = _two_people()
    assert "left_out" not in to_json_dict(r)
    r.left_out = leave_out(r, 1, 2, 4, "right arm")
    assert to_json_dict(r)["left_out"] == [{"person": 1, "first_frame": 2, "last_frame": 4, "parts": ["right arm"]}]
