"""Knee curves on a real side-view running clip look like running gait, and the steps match a count by eye.

By eye (frames written out and looked at): the runner crosses the picture left to right and leaves after
frame 31; a foot is kicked highest behind her (swing-phase knee flexion peak) around frames 7, 16 and 25,
alternating legs, so 3 steps about 9 frames (0.3 s) apart.
"""

import numpy as np
import pytest

from posestudio.core.kinematics import angle_table

EYE_SWING_FRAMES = (7, 16, 25)


@pytest.fixture(scope="module")
def running(videos_dir, require_model):
    require_model("movenet-lightning")
    from posestudio.core.analysis.run import analyse_video

    result = analyse_video(videos_dir / "sports2d_demo3_running_side.mp4", "movenet-lightning")
    ids = result.person_ids[result.person_ids >= 0]
    person = int(np.bincount(ids).argmax())
    return result, angle_table(result.track(person), result.timestamps, result.keypoint_names)


def test_knee_flexion_in_running_range(running):
    _, table = running
    for name in ("left_knee", "right_knee"):
        knee = table.filtered[name]
        # measured while she is in the picture; her left foot is behind her, out of it, until frame 4 (and
        # on frame 0 the model drew the left leg collapsed onto the right one: a lone sample, dropped)
        assert np.isfinite(knee[4:30]).mean() > 0.9, name
        assert 80 <= np.nanmax(knee) <= 140, name          # swing peak of a runner
        assert np.nanmin(knee) < 25, name                  # near-straight leg late in stance
        assert np.nanmin(table.raw[name]) >= 0 and np.nanmax(table.raw[name]) <= 180


def test_steps_match_count_by_eye(running):
    result, table = running
    gait = table.gait()
    assert gait["steps"] == len(EYE_SWING_FRAMES)
    assert 170 <= gait["cadence_spm"] <= 230  # 0.3 s per step
    peaks = sorted(t for name in ("left_knee", "right_knee")
                   for t in table.summary()[name]["rep_times"])
    frames = np.searchsorted(result.timestamps, peaks)
    assert np.all(np.abs(frames - np.array(EYE_SWING_FRAMES)) <= 3), frames
    # legs alternate: consecutive swing peaks come from different knees
    left = set(table.summary()["left_knee"]["rep_times"])
    sides = [p in left for p in peaks]
    assert all(a != b for a, b in zip(sides, sides[1:]))
