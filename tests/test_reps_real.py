"""Repetitions on real clips: real ones are counted, and curves that only sway show '-' with the reason, in the
summary file as in the window (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.core.io.summary_table import SUMMARY_COLUMNS, summary_rows
from posestudio.core.kinematics import angle_table

DUMBBELL = "sports2d_demo5_dumbbell_lateral_raise.mp4"
WALK = "sports2d_demo_walk_jumpingjacks_flip.mp4"
# The walking woman's left knee swings, looked at frame by frame (tests/test_kinematics_gait.py): frames
# ~72, 108, 143, 181.
EYE_LEFT_SWINGS = np.array([72, 108, 143, 181])


def _analyse(videos_dir, require_model, clip, model):
    from posestudio.core.analysis.run import analyse_video

    require_model(model)
    return analyse_video(videos_dir / clip, model)


@pytest.mark.slow
def test_dumbbell_summary_file_counts_the_raises_not_the_elbow_sway(videos_dir, require_model):
    result = _analyse(videos_dir, require_model, DUMBBELL, "blazepose-full")  # the default model
    pid = int(np.bincount(result.person_ids[result.person_ids >= 0]).argmax())
    table = angle_table(result.track(pid), result.timestamps, result.keypoint_names,
                        angles=["left_elbow", "right_elbow", "left_shoulder", "right_shoulder"])
    rows = {row[3]: dict(zip(SUMMARY_COLUMNS, row)) for row in summary_rows(result, {pid: table})}
    for elbow in ("left_elbow", "right_elbow"):
        # the peak finder finds 7 (two a raise: the held bend looks larger at the bottom and the top)
        assert int(rows[elbow]["reps"]) >= 6
        assert "quarter of the joint's usual 150° range" in rows[elbow]["doubt"]
    for shoulder in ("left_shoulder", "right_shoulder"):
        # four raises counted by eye, arms up at about 2.5, 7, 11 and 15 s
        assert rows[shoulder]["reps"] == "4" and rows[shoulder]["doubt"] == ""
        assert 13 <= float(rows[shoulder]["cycles_per_min"]) <= 17


@pytest.mark.slow
def test_walking_knee_swings_still_count(videos_dir, require_model):
    result = _analyse(videos_dir, require_model, WALK, "movenet-multipose")
    names = list(result.keypoint_names)
    hip = names.index("left_hip")

    def travelled(pid):  # the woman walks across the picture; the man jumps on the spot
        x = result.track(pid)[:, hip, 0]
        return np.nanmax(x) - np.nanmin(x) if np.isfinite(x).sum() >= 60 else 0.0

    walker = max(result.person_ids_present(), key=travelled)
    table = angle_table(result.track(walker), result.timestamps, names, angles=["left_knee"])
    knee = table.summary()["left_knee"]
    assert knee["reps_doubt"] is None and knee["rate_doubt"] is None
    assert knee["reps"] == len(EYE_LEFT_SWINGS)
    frames = np.array(knee["rep_times"]) * result.fps
    assert np.max(np.abs(frames - EYE_LEFT_SWINGS)) <= 4
    assert 45 <= knee["cycles_per_min"] <= 55  # one swing every ~36 frames: a stride of 1.2 s
