"""Custom angle definitions: text and dict forms round-trip, mistakes give one clear sentence."""

import json

import numpy as np
import pytest

from posestudio.core.kinematics import (
    DEFAULT_ANGLES,
    InvalidAngleError,
    angle_from_dict,
    angle_to_dict,
    compute_angles,
    format_angle,
    make_angle,
    parse_angle,
    resolve_angles,
)
from posestudio.core.kinematics.angles import COCO17_NAMES

CUSTOM = [
    make_angle("knee_inner", "three_point", ("left_hip", "left_knee", "left_ankle")),
    make_angle("thigh_vs_thigh", "segment_pair", ("left_hip", "left_knee", "right_hip", "right_knee")),
    make_angle("arm_line", "segment", ("left_shoulder", "left_wrist")),
    make_angle("neck_lean", "vertical", ("shoulder_center", "nose"), offset=5.0),
]


@pytest.mark.parametrize("angle", CUSTOM + list(DEFAULT_ANGLES), ids=lambda a: a.name)
def test_round_trip(angle):
    assert angle_from_dict(json.loads(json.dumps(angle_to_dict(angle)))) == angle
    back = parse_angle(format_angle(angle))
    assert (back.name, back.kind, back.keypoints, back.offset, back.signed) == \
        (angle.name, angle.kind, angle.keypoints, angle.offset, angle.signed)


def test_text_forms():
    assert parse_angle("k = left_hip, left_knee, left_ankle").kind == "three_point"
    assert parse_angle("p=left_hip>left_knee,right_hip>right_knee").kind == "segment_pair"
    assert parse_angle("s=left_hip>left_knee").kind == "segment"
    assert parse_angle("s=left_hip>left_knee,horizontal").kind == "segment"
    assert parse_angle("v=hip_center>shoulder_center,vertical").kind == "vertical"
    assert parse_angle("o=left_hip,left_knee,left_ankle;offset=-10").offset == -10.0
    assert parse_angle("left_knee") == DEFAULT_ANGLES[0]
    assert parse_angle("knee_inner", custom=CUSTOM) is CUSTOM[0]


def test_cli_list_with_names_and_definitions():
    got = resolve_angles("left_knee, k=left_hip,left_knee,left_ankle, right_knee, "
                         "s=left_hip>left_knee,vertical, left_hip, knee_inner", custom=CUSTOM)
    assert [a.name for a in got] == ["left_knee", "k", "right_knee", "s", "left_hip", "knee_inner"]
    assert got[1].keypoints == ("left_hip", "left_knee", "left_ankle") and got[3].kind == "vertical"


@pytest.mark.parametrize("text, words", [
    ("x=left_hip,left_kne,left_ankle", "not a keypoint"),
    ("1x=left_hip,left_knee,left_ankle", "not a usable angle name"),
    ("left_knee=left_hip,left_knee,right_ankle", "built-in"),
    ("x=left_hip,left_hip,left_ankle", "same keypoint"),
    ("x=left_hip,left_knee", "needs 3 keypoints"),
    ("x=left_hip>left_knee,left_ankle", "not understood"),
    ("x=left_hip,left_knee,left_ankle;scale=2", "not understood"),
    ("no_such_angle", "no angle called"),
])
def test_mistakes_are_one_sentence(text, words):
    with pytest.raises(Exception, match=words) as info:
        parse_angle(text)
    message = str(info.value)
    assert message.endswith(".") and message.count(". ") == 0


def test_custom_angles_compute():
    kp = np.zeros((1, 17, 3))
    kp[..., 2] = 1.0
    put = {"left_hip": (0, 0), "left_knee": (0, 100), "left_ankle": (100, 100), "right_hip": (0, 0),
           "right_knee": (100, 0), "left_shoulder": (0, -100), "left_wrist": (100, -200),
           "right_shoulder": (0, -100), "nose": (20, -150)}
    for name, xy in put.items():
        kp[0, COCO17_NAMES.index(name), :2] = xy
    out = compute_angles(kp, COCO17_NAMES, CUSTOM)
    assert out["knee_inner"][0] == pytest.approx(90.0)
    assert out["thigh_vs_thigh"][0] == pytest.approx(90.0)
    assert out["arm_line"][0] == pytest.approx(45.0)
    assert np.isfinite(out["neck_lean"][0])


def test_invalid_angle_error_is_a_user_error():
    from posestudio.core.errors import PoseStudioError
    assert issubclass(InvalidAngleError, PoseStudioError)
