"""Default angles on hand-built stick figures: known right angles, straight limbs, full rotations, mirroring."""

import numpy as np
import pytest

from posestudio.core.kinematics import (
    BLAZEPOSE33_NAMES,
    COCO17_NAMES,
    DEFAULT_ANGLES,
    AngleUnavailableError,
    available_angles,
    compute_angles,
    default_angle,
    make_angle,
    outside_picture_missing,
    unavailable_reason,
)

# an upright person seen from the side, facing the image's right (image coords, y down)
STANDING = {
    "nose": (112, 40), "left_eye": (108, 35), "right_eye": (108, 35), "left_ear": (96, 40), "right_ear": (96, 40),
    "left_shoulder": (100, 60), "right_shoulder": (100, 60), "left_elbow": (100, 110), "right_elbow": (100, 110),
    "left_wrist": (100, 160), "right_wrist": (100, 160), "left_hip": (100, 160), "right_hip": (100, 160),
    "left_knee": (100, 260), "right_knee": (100, 260), "left_ankle": (100, 360), "right_ankle": (100, 360),
    "left_heel": (92, 370), "right_heel": (92, 370), "left_foot_index": (130, 370), "right_foot_index": (130, 370),
}


def person(names=BLAZEPOSE33_NAMES, score=0.9, **moved):
    """(1, K, 3) keypoints: the standing figure with some points moved; unlisted BlazePose points sit at the nose."""
    pts = dict(STANDING, **moved)
    kp = np.zeros((1, len(names), 3))
    for i, n in enumerate(names):
        kp[0, i, :2] = pts.get(n, pts["nose"])
        kp[0, i, 2] = score
    return kp


def angles_of(kp, names=BLAZEPOSE33_NAMES, **kw):
    return {k: float(v[0]) for k, v in compute_angles(kp, names, **kw).items()}


def test_standing_straight_is_zero_for_joints():
    a = angles_of(person())
    for name in ("left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow",
                 "left_shoulder", "right_shoulder", "trunk_lean"):
        assert a[name] == pytest.approx(0.0, abs=1e-9), name
    # foot horizontal under a vertical shank: square, so 0
    assert a["left_ankle"] == pytest.approx(0.0, abs=1e-9)
    for seg in ("left_thigh", "right_shank", "left_upper_arm", "right_forearm"):
        assert a[seg] == pytest.approx(-90.0), seg  # pointing down, y up convention
    assert a["trunk"] == pytest.approx(90.0)
    assert a["left_foot"] == pytest.approx(0.0)


@pytest.mark.parametrize("side", ["left", "right"])
def test_right_angles(side):
    s = side
    knee = angles_of(person(**{f"{s}_ankle": (0, 260)}))  # shank straight back, horizontal
    assert knee[f"{s}_knee"] == pytest.approx(90.0)
    assert knee[f"{s}_shank"] == pytest.approx(180.0)
    hip = angles_of(person(**{f"{s}_knee": (200, 160), f"{s}_ankle": (300, 160)}))  # leg straight forward
    assert hip[f"{s}_hip"] == pytest.approx(90.0)
    assert hip[f"{s}_knee"] == pytest.approx(0.0, abs=1e-9)
    assert hip[f"{s}_thigh"] == pytest.approx(0.0, abs=1e-9)
    elbow = angles_of(person(**{f"{s}_wrist": (150, 110)}))
    assert elbow[f"{s}_elbow"] == pytest.approx(90.0)
    assert elbow[f"{s}_forearm"] == pytest.approx(0.0, abs=1e-9)
    shoulder = angles_of(person(**{f"{s}_elbow": (150, 60), f"{s}_wrist": (200, 60)}))
    assert shoulder[f"{s}_shoulder"] == pytest.approx(90.0)
    assert shoulder[f"{s}_upper_arm"] == pytest.approx(0.0, abs=1e-9)
    overhead = angles_of(person(**{f"{s}_elbow": (100, 10), f"{s}_wrist": (100, -40)}))
    assert overhead[f"{s}_shoulder"] == pytest.approx(180.0)
    assert overhead[f"{s}_upper_arm"] == pytest.approx(90.0)
    pointed = angles_of(person(**{f"{s}_heel": (100, 370), f"{s}_foot_index": (100, 400)}))  # toes straight down
    assert pointed[f"{s}_ankle"] == pytest.approx(-90.0)
    # toes 20 degrees up from horizontal: dorsiflexion +20
    up = angles_of(person(**{f"{s}_foot_index": (92 + 40 * np.cos(np.radians(20)), 370 - 40 * np.sin(np.radians(20)))}))
    assert up[f"{s}_ankle"] == pytest.approx(20.0)


def test_trunk_lean_signed_by_facing():
    lean = 30.0
    dx, dy = 100 * np.sin(np.radians(lean)), 100 * np.cos(np.radians(lean))
    top = (100 + dx, 160 - dy)  # shoulders towards the image's right
    facing_right = angles_of(person(left_shoulder=top, right_shoulder=top))
    assert facing_right["trunk_lean"] == pytest.approx(lean)
    assert facing_right["trunk"] == pytest.approx(90 - lean)
    # same posture, person facing left (nose behind the ears in x): that lean is backwards
    face_left = dict(left_shoulder=top, right_shoulder=top, nose=(84, 40), left_eye=(88, 35))
    coco = angles_of(person(COCO17_NAMES, **face_left), COCO17_NAMES)
    assert coco["trunk_lean"] == pytest.approx(-lean)
    feet_left = {f"{s}_{p}": (200 - STANDING[f"{s}_{p}"][0], 370) for s in ("left", "right")
                 for p in ("heel", "foot_index")}
    blaze = angles_of(person(**face_left, **feet_left))
    assert blaze["trunk_lean"] == pytest.approx(-lean)
    # toes pointing left outvote a face turned right
    toes_only = angles_of(person(left_shoulder=top, right_shoulder=top, **feet_left))
    assert toes_only["trunk_lean"] == pytest.approx(-lean)


def test_mirrored_person_gives_same_joint_angles():
    """A person turning round must not flip joint angles."""
    kp = person(left_ankle=(30, 300), left_knee=(150, 240), left_wrist=(160, 90), right_elbow=(130, 90))
    mirrored = kp.copy()
    mirrored[..., 0] = 400 - mirrored[..., 0]
    a, b = angles_of(kp), angles_of(mirrored)
    for name in ("left_knee", "left_hip", "left_elbow", "right_shoulder", "left_ankle", "trunk_lean"):
        assert b[name] == pytest.approx(a[name], abs=1e-9), name
    assert a["left_knee"] > 30  # the pose really is bent


def test_full_rotation_has_no_jumps_and_three_point_stays_in_range():
    theta = np.radians(np.arange(0, 721, 3.0))  # two full turns of the thigh about the hip
    f = theta.size
    names = COCO17_NAMES
    kp = np.repeat(person(names), f, axis=0)
    hip, knee, ankle = (names.index(n) for n in ("left_hip", "left_knee", "left_ankle"))
    kp[:, knee, 0] = kp[:, hip, 0] + 100 * np.cos(theta)
    kp[:, knee, 1] = kp[:, hip, 1] - 100 * np.sin(theta)  # y down: minus is counter-clockwise on screen
    custom = make_angle("hip_knee_ankle", "three_point", ("left_hip", "left_knee", "left_ankle"))
    out = compute_angles(kp, names, ["left_thigh", "left_knee", "left_hip", custom])
    thigh = out["left_thigh"]
    assert np.all(np.abs(np.diff(thigh) - 3.0) < 1e-6)  # steady, no wrap at +-180
    assert thigh[-1] - thigh[0] == pytest.approx(720.0)
    for name in ("left_knee", "left_hip", "hip_knee_ankle"):
        v = out[name]
        assert np.all((v >= 0) & (v <= 180)), name
        assert v.max() > 170 and v.min() < 10, name  # it did sweep the whole range


def test_low_scores_give_nan_only_where_needed():
    kp = np.repeat(person(COCO17_NAMES), 3, axis=0)
    kp[1, COCO17_NAMES.index("left_ankle"), 2] = 0.1
    kp[2, COCO17_NAMES.index("left_ankle"), :] = np.nan
    out = compute_angles(kp, COCO17_NAMES, min_score=0.3)
    assert np.isfinite(out["left_knee"][0]) and np.isnan(out["left_knee"][1:]).all()
    assert np.isnan(out["left_shank"][1:]).all()
    assert np.isfinite(out["right_knee"]).all() and np.isfinite(out["left_hip"]).all()


def test_movenet_lacks_ankle_angles_and_says_why():
    names = [a.name for a in available_angles(COCO17_NAMES)]
    assert "left_knee" in names and "trunk_lean" in names and "trunk" in names
    assert "left_ankle" not in names and "right_foot" not in names
    assert {a.name for a in available_angles(BLAZEPOSE33_NAMES)} == {a.name for a in DEFAULT_ANGLES}
    reason = unavailable_reason(default_angle("left_ankle"), COCO17_NAMES)
    assert "MoveNet" in reason and "BlazePose" in reason
    assert unavailable_reason(default_angle("left_ankle"), BLAZEPOSE33_NAMES) is None
    with pytest.raises(AngleUnavailableError, match="BlazePose"):
        compute_angles(person(COCO17_NAMES), COCO17_NAMES, ["left_ankle"])


def test_coco_and_blazepose_agree_on_shared_points():
    moved = dict(left_knee=(150, 240), left_ankle=(120, 330), right_wrist=(170, 120))
    a = angles_of(person(COCO17_NAMES, **moved), COCO17_NAMES)
    b = angles_of(person(BLAZEPOSE33_NAMES, **moved), BLAZEPOSE33_NAMES)
    for name, value in a.items():
        assert b[name] == pytest.approx(value), name


def test_points_outside_the_picture_count_as_missing():
    # the toe beyond the right edge of a 140 px wide picture: BlazePose guesses it there with a high score
    kp = np.concatenate([person(), person(left_foot_index=(150, 370)), person(left_foot_index=(139, 370))])
    inside = compute_angles(kp, BLAZEPOSE33_NAMES, ["left_foot", "left_knee"], frame_size=(140, 400))
    assert np.isfinite(inside["left_foot"][[0, 2]]).all() and np.isnan(inside["left_foot"][1])
    assert np.isfinite(inside["left_knee"]).all()  # only angles that need the toe are lost
    kept = compute_angles(kp, BLAZEPOSE33_NAMES, ["left_foot"])["left_foot"]  # no frame size: as before
    assert np.isfinite(kept).all()
    for edge in [dict(left_foot_index=(-1, 370)), dict(left_foot_index=(100, 400)), dict(left_eye=(100, -0.5))]:
        masked = outside_picture_missing(person(**edge), (140, 400))
        moved = BLAZEPOSE33_NAMES.index(next(iter(edge)))
        assert masked[0, moved, 2] == 0 and (np.delete(masked[0, :, 2], moved) == 0.9).all()
    assert np.isnan(outside_picture_missing(np.full((1, 3, 3), np.nan), (10, 10))).all()


def test_analysis_result_track_hides_points_outside_the_picture():
    from posestudio.core.kinematics import angle_table
    from posestudio.core.analysis.result import AnalysisResult

    names = BLAZEPOSE33_NAMES
    result = AnalysisResult.empty(3, 1, names, model_id="m", keypoint_set="blazepose33", video_path="v",
                                  fingerprint="f", width=140, height=400, fps=30.0)
    for i, toe in enumerate([(130, 370), (150, 370), (130, 370)]):
        result.keypoints[i, 0] = person(left_foot_index=toe)[0]
        result.person_ids[i, 0] = 4
    result.timestamps[:] = np.arange(3) / 30
    track = result.track(4)
    toe = names.index("left_foot_index")
    assert track[:, toe, 2].tolist() == pytest.approx([0.9, 0.0, 0.9])
    assert result.track(4, in_picture=False)[1, toe, 2] == pytest.approx(0.9)
    raw = angle_table(result.track(4, in_picture=False), result.timestamps, names, angles=["left_foot"],
                      smoothing=False, frame_size=(140, 400)).raw["left_foot"]
    assert np.isnan(raw[1]) and np.isfinite(raw[[0, 2]]).all()
