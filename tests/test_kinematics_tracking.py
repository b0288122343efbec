"""Person identities through crossings and occlusions, and the manual id fixes."""

import numpy as np
import pytest

from posestudio.core.kinematics import PersonTracker, assign_ids, merge_ids, person_at, person_keypoints, swap_ids
from posestudio.core.kinematics.tracking import IdEditError

K = 17


def figure(cx, cy, height=200.0, wobble=0.0, rng=None):
    """(K, 3) keypoints of a stick person centred at (cx, cy): points spread over the body height."""
    rng = rng or np.random.default_rng(0)
    ys = np.linspace(-0.5, 0.5, K) * height
    xs = np.tile([-0.15, 0.0, 0.15], K)[:K] * height
    kp = np.stack([cx + xs, cy + ys, np.full(K, 0.9)], axis=1)
    kp[:, :2] += rng.normal(0, wobble, (K, 2))
    return kp


@pytest.mark.parametrize("seed", range(3))
def test_two_people_crossing_keep_their_ids(seed):
    """Same size, same height in the image, and the one behind is hidden while they overlap: only their
    motion tells them apart (a tracker matching on position alone swaps them)."""
    rng = np.random.default_rng(seed)
    ids_a, ids_b = [], []
    tracker = PersonTracker(fps=30)
    for f in range(60):
        a = figure(50 + 8 * f, 200, wobble=3, rng=rng)   # walks right
        b = figure(530 - 8 * f, 204, wobble=3, rng=rng)  # walks left; they meet at f = 30
        people = [a] if 28 <= f < 33 else [a, b]         # b hidden behind a for 5 frames
        order = rng.permutation(len(people))             # detectors list people in no particular order
        got = dict(zip(order, tracker.update([people[i] for i in order])))
        ids_a.append(got[0])
        if 1 in got:
            ids_b.append(got[1])
    assert len(set(ids_a)) == 1 and len(set(ids_b)) == 1
    assert ids_a[0] != ids_b[0]


def test_identity_survives_short_occlusion_but_not_a_long_absence():
    tracker = PersonTracker(fps=30, max_lost_s=1.0)
    seen = []
    for f in range(40):
        people = [figure(400, 200)]
        if not 15 <= f < 20:  # A hidden for 5 frames while moving
            people.append(figure(40 + 6 * f, 220))
        seen.append(tracker.update(people))
    a_ids = {ids[1] for ids in seen if len(ids) == 2}
    b_ids = {ids[0] for ids in seen}
    assert len(a_ids) == 1 and len(b_ids) == 1 and a_ids != b_ids
    # gone for 2 s (longer than max_lost_s): comes back as someone new
    for f in range(60):
        tracker.update([figure(400, 200)])
    back = tracker.update([figure(400, 200), figure(40 + 6 * 40, 220)])
    assert back[0] in b_ids and back[1] not in a_ids


def test_assign_ids_on_result_arrays_and_manual_fixes():
    frames = 20
    kp = np.full((frames, 3, K, 3), np.nan, dtype=np.float32)
    for f in range(frames):
        kp[f, 0] = figure(100 + 3 * f, 200)
        kp[f, 2] = figure(400 - 3 * f, 200)  # slot 1 stays empty
    kp[5:8, 2, :, 2] = 0.05  # low scores: absent for three frames
    ids = assign_ids(kp, timestamps=np.arange(frames) / 30)
    assert ids.shape == (frames, 3) and ids.dtype == np.int32
    assert (ids[:, 1] == -1).all() and (ids[5:8, 2] == -1).all()
    a, b = ids[0, 0], ids[0, 2]
    assert (ids[:, 0] == a).all() and set(ids[:, 2]) == {b, -1}

    swapped = swap_ids(ids, a, b, from_frame=10)
    assert (swapped[:10] == ids[:10]).all()
    assert (swapped[10:, 0] == b).all() and (swapped[10:, 2] == a).all()
    track = person_keypoints(kp, swapped, a)
    np.testing.assert_allclose(track[:10], kp[:10, 0])
    np.testing.assert_allclose(track[10:], kp[10:, 2])

    split = ids.copy()
    split[12:, 0] = 99  # the tracker split person a in two
    merged = merge_ids(split, keep=a, drop=99)
    assert (merged == ids).all()
    with pytest.raises(IdEditError, match="both in frame 0"):
        merge_ids(ids, a, b)


def test_person_at_picks_the_clicked_person():
    people = np.stack([figure(100, 200), figure(300, 200)])
    assert person_at(people, 300, 210) == 1
    assert person_at(people, 95, 150) == 0
    assert person_at(people, 200, 50) is None


def test_update_takes_timestamps_and_boxes():
    tracker = PersonTracker(fps=30)
    first = tracker.update([figure(100, 200)], 0.0)  # timestamp in place of boxes
    box = np.array([60.0, 90.0, 140.0, 310.0])
    again = tracker.update([figure(104, 200)], [box], timestamp=1 / 30)
    assert first == again
    # 3 s later by the clock (frame counts would say 1/30 s): the track has expired
    assert tracker.update([figure(108, 200)], timestamp=3.0) != first
