"""After a hand correction the angles are smoothed again only around the frames it changed, and come out as
the whole clip's computation gives them: on a real 5-minute clip (the walking clip looped, its analysis
repeated over the loop, as bench.long_window and bench.correction_latency do)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posestudio.app.angle_data import AngleRequest, compute
from posestudio.core.analysis import corrections as corr
from posestudio.core.kinematics.table_patch import MAX_SHARE, changed_stretches, reach, regular_step

WALK = "sports2d_demo_walk_jumpingjacks_flip.mp4"
WANTED = ["left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow", "trunk_lean",
          "left_thigh"]


@pytest.fixture(scope="module")
def long_result(tmp_path_factory, videos_dir, require_model):
    from posestudio.bench.long_clip import loop_clip
    from posestudio.bench.long_window import repeated_result
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.video.source import VideoSource

    require_model("movenet-lightning")
    folder = tmp_path_factory.mktemp("long")
    path = loop_clip(videos_dir / WALK, 5.0, folder)
    with VideoSource(str(path)) as source:
        return repeated_result(analyse_video(str(videos_dir / WALK), "movenet-lightning"), source)


def _angles(result, base=None, smooth=True):
    return compute(AngleRequest(result=result, person=-1, wanted=WANTED, threshold=0.3, smooth=smooth, base=base))


def _same(patched, whole) -> float:
    """The largest difference between two AngleData's curves, raw angles and velocities (NaN in the same places)."""
    worst = 0.0
    for kind in ("raw", "filtered", "velocity"):
        for name in WANTED:
            a, b = getattr(patched.table, kind)[name], getattr(whole.table, kind)[name]
            assert np.array_equal(np.isnan(a), np.isnan(b)), (kind, name)
            if np.isfinite(a).any():
                worst = max(worst, float(np.nanmax(np.abs(a - b))))
    assert patched.sudden == whole.sudden
    return worst


def _frame_of(result, person: int, share: float) -> int:
    frames = np.flatnonzero((result.person_ids == person).any(axis=1))
    return int(frames[int(share * (frames.size - 1))])


@pytest.mark.slow
def test_a_drag_is_smoothed_again_only_around_it_and_equals_the_whole_clip(long_result):
    r = long_result
    assert r.frame_count > 5 * 60 * 29
    before = _angles(r)
    assert before.smoothed is None   # nothing to patch from: the whole clip
    person = before.person
    frame = _frame_of(r, person, 0.5)
    slot = int(np.flatnonzero(r.person_ids[frame] == person)[0])
    k = list(r.keypoint_names).index("left_knee")
    x, y = r.keypoints[frame, slot, k, :2]
    moved = corr.apply(r, corr.move(r, person, frame, k, float(x) + 40, float(y) - 30, reach=10))
    patched = _angles(moved, base=before)
    whole = _angles(moved)
    # the drag moved the knee over frames frame-10..frame+10: the left knee, hip and thigh changed, a lot
    changed = [n for n in WANTED if changed_stretches(before.table.filtered[n], whole.table.filtered[n], 1)]
    assert {"left_knee", "left_hip", "left_thigh"} <= set(changed)
    assert np.nanmax(np.abs(whole.values["left_knee"] - before.values["left_knee"])) > 20
    assert _same(patched, whole) < 0.01   # degrees (and deg/s); in fact ~1e-12
    # smoothed again: each changed curve over the 21 frames and twice the reach either side, nothing else
    step = regular_step(r.timestamps)
    piece = 21 + 4 * reach(step, before.table.settings)
    assert 0 < patched.smoothed <= len(changed) * piece
    assert patched.smoothed < 0.02 * r.frame_count * len(WANTED)
    # the curves it did not touch are the very arrays shown before (the timeline can tell)
    for name in set(WANTED) - set(changed):
        assert patched.values[name] is before.values[name]


@pytest.mark.slow
def test_not_visible_over_a_range_and_its_undo_patch_exactly_too(long_result):
    """Hiding a keypoint opens a gap in the curves (a run split in two, bridged or not); undoing closes it."""
    r = long_result
    before = _angles(r)
    person = before.person
    frame = _frame_of(r, person, 0.3)
    hidden = corr.apply(r, corr.hide(r, person, frame, frame + 14, "right_elbow"))
    patched = _angles(hidden, base=before)
    whole = _angles(hidden)
    assert np.isnan(whole.table.raw["right_elbow"][frame:frame + 15]).all()
    assert patched.smoothed is not None and _same(patched, whole) < 0.01
    undone = _angles(r, base=patched)   # the undo gives back the result before the correction
    assert undone.smoothed is not None and _same(undone, before) < 0.01
    # several corrections far apart in one go (an undo of a merge, a range): each place smoothed on its own
    far = _frame_of(r, person, 0.9)
    both = corr.apply(r, corr.hide(hidden, person, far, far + 3, "left_knee"))
    patched = _angles(both, base=before)
    assert patched.smoothed is not None and _same(patched, _angles(both)) < 0.01
    # smoothing off: the raw curves, patched as well
    raw_before = _angles(r, smooth=False)
    raw_patched = _angles(hidden, base=raw_before, smooth=False)
    assert raw_patched.smoothed is not None and _same(raw_patched, _angles(hidden, smooth=False)) == 0.0


@pytest.mark.slow
def test_the_whole_clip_is_computed_when_a_patch_cannot_match_it(long_result):
    r = long_result
    before = _angles(r)
    person = before.person
    # another person followed, or other settings: nothing to patch from
    assert _angles(dataclasses.replace(r), base=before).smoothed == 0   # same keypoints: kept as is
    other = compute(AngleRequest(result=r, person=-1, wanted=WANTED, threshold=0.5, smooth=True, base=before))
    assert other.smoothed is None
    # most of the clip changed (a re-analysis, a swap over the whole clip): the whole computation
    frames = np.flatnonzero((r.person_ids == person).any(axis=1))
    shifted = dataclasses.replace(r, keypoints=r.keypoints.copy())
    most = frames[: int(frames.size * 0.75)]
    assert most.size > MAX_SHARE * r.frame_count
    shifted.keypoints[most, :, list(r.keypoint_names).index("left_knee"), 0] += 15.0
    assert _angles(shifted, base=before).smoothed is None
    # timestamps that are not regular: the low-pass resamples each run from its own start, a piece would not match
    jitter = r.timestamps + np.where(np.arange(r.frame_count) % 7 == 0, 0.004, 0.0)
    uneven = compute(AngleRequest(result=r, person=-1, wanted=WANTED, threshold=0.3, smooth=True, timestamps=jitter))
    hidden = corr.apply(r, corr.hide(r, person, int(frames[100]), int(frames[100]), "right_elbow"))
    again = compute(AngleRequest(result=hidden, person=-1, wanted=WANTED, threshold=0.3, smooth=True,
                                 timestamps=jitter, base=uneven))
    assert regular_step(jitter) is None and again.smoothed is None
