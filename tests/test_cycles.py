"""Cycles: gait events on a known synthetic gait, normalisation to 0-100 %, and strides and knee curves on the
real walking and running clips against what was counted by eye.

Walking (sports2d_demo_walk_jumpingjacks_flip.mp4, movenet-multipose: the woman is a second person; the
single-person BlazePose follows the man, as the README said and as checked again here). Heel strikes looked at
frame by frame (test_kinematics_gait.py): 61, 79, 97, 117, 136, 153, 172, 190, alternating feet, so four contacts
and three full strides per foot; her first contact (~43) is hidden behind the tree.
Running (sports2d_demo3_running_side.mp4, blazepose-full): looked at frame by frame (skeletons drawn on frames
0-35, again for issue 13): contacts at about frames 11.5 (foot A), 21 (foot B) and 30 (foot A, as she leaves the
picture after frame 32); the stance seen at frames 0-6 began before the clip. So one full stride (foot A), none
for foot B: she is in the picture 1.1 s, under two running strides; no detector setting can find more.
"""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.core.kinematics.cycles import (
    CYCLE_COLUMNS,
    CYCLE_PCT,
    curve_stats,
    cycle_rows,
    gait_events,
    normalise,
    person_cycles,
    strides,
)
from posestudio.core.models.skeleton import BLAZEPOSE33

WALK = "sports2d_demo_walk_jumpingjacks_flip.mp4"
RUN = "sports2d_demo3_running_side.mp4"
EYE_WALK_CONTACTS = (61, 79, 97, 117, 136, 153, 172, 190)
EYE_RUN_CONTACTS = (11.5, 21, 30)


# ----- synthetic gait: known events --------------------------------------------------------------------------

def synthetic_walk(direction: int, fps: float = 30.0, seconds: float = 6.0, stride_s: float = 1.1,
                   stance: float = 0.6, speed: float = 150.0):
    """BlazePose keypoints of a walker crossing the picture at `speed` px/s: each heel stays put on the ground
    for the first `stance` of its stride and swings forward for the rest, slowing to rest before contact (as a
    real heel does; left and right half a stride apart). Returns keypoints, timestamps, and per side the known
    contact times (the heel comes to rest)."""
    t = np.arange(0, seconds, 1 / fps)
    names = BLAZEPOSE33.names
    kp = np.full((t.size, len(names), 3), np.nan)
    pelvis = 400 + direction * speed * t
    length = speed * stride_s
    known = {}
    for side, phase in (("left", 0.0), ("right", 0.5)):
        turns = t / stride_s + phase
        done = np.floor(turns)
        swing = np.clip((turns - done - stance) / (1 - stance), 0, 1)
        ground = (done + swing - np.sin(2 * np.pi * swing) / (2 * np.pi)) * length  # speed 0 at both ends
        heel = 400 + direction * (ground - phase * length + 0.3 * length)

        def put(name, x, y):
            kp[:, names.index(f"{side}_{name}")] = np.stack([x, np.full_like(x, y), np.ones_like(x)], axis=1)
        put("hip", pelvis, 300)
        put("shoulder", pelvis + direction * 10, 150)
        put("knee", (pelvis + heel) / 2, 400)
        put("ankle", heel + direction * 8, 500)
        put("heel", heel, 505)
        put("foot_index", heel + direction * 25, 510)
        known[side] = (np.arange(seconds / stride_s + 1) - phase) * stride_s
    return kp, t, known


@pytest.mark.parametrize("direction", [1, -1])
def test_contacts_and_toe_offs_of_a_known_gait_either_way(direction):
    kp, t, known = synthetic_walk(direction)
    events = gait_events(kp, t, BLAZEPOSE33.names)
    for side in ("left", "right"):
        ev = events[side]
        assert ev.direction == direction
        inner = known[side][(known[side] > 0.2) & (known[side] < t[-1] - 0.2)]
        assert ev.contacts.size == inner.size
        # Zeni's maximum alone is 62 ms (1.8 frames) early here: the heel still moves as fast as the pelvis
        assert np.max(np.abs(ev.contacts - inner)) < 0.025
        cycles = strides(ev)
        assert cycles.count == inner.size - 1
        assert cycles.mean_duration == pytest.approx(1.1, abs=0.005)
        # the toes leave at 60 %; Zeni's minimum comes once they move as fast as the pelvis, later on this
        # smooth lift-off
        assert all(60 < p < 70 for p in cycles.toe_off_pct)


def test_normalisation_gives_the_known_curve_and_its_spread():
    kp, t, known = synthetic_walk(1)
    w = 2 * np.pi / 1.1
    contact0 = known["left"][0]
    knee = 35 + 30 * np.sin(w * (t - contact0))  # one known shape per stride, starting at contact
    knee[100:103] = np.nan  # a short gap is bridged
    report = person_cycles(kp, t, BLAZEPOSE33.names, {"left_knee": knee, "right_knee": knee}, kind="gait")
    cc = report.curves["left_knee"]
    assert cc.curves.shape == (report.sides["left"].count, CYCLE_PCT.size)
    # contacts within 25 ms (2 % of the stride) of the truth: up to 30 * 2 pi * 0.02 = 3.8 degrees on this curve
    assert np.max(np.abs(cc.mean - (35 + 30 * np.sin(2 * np.pi * CYCLE_PCT / 100)))) < 3.5
    assert np.nanmax(cc.sd) < 1.0 and cc.n.max() == report.sides["left"].count
    # the right cycles start half a stride later: the same curve shifted by 50 %
    assert np.max(np.abs(report.curves["right_knee"].mean - (35 - 30 * np.sin(2 * np.pi * CYCLE_PCT / 100)))) < 3.5
    rows = cycle_rows(report, "walk.mp4", 1)
    assert len(CYCLE_COLUMNS) == len(rows[0]) and len(rows) == 2 * 101
    assert [r[3] for r in rows[:101]] == list(range(101))
    # a time range keeps only the cycles inside it
    short = person_cycles(kp, t, BLAZEPOSE33.names, {"left_knee": knee}, kind="gait", start=1.0, end=4.0)
    assert all(1.0 <= a and b <= 4.0 for a, b in short.sides["left"].bounds)
    assert 0 < short.sides["left"].count < report.sides["left"].count


def test_normalise_refuses_a_cycle_mostly_missing_and_stats_count_per_percent():
    t = np.arange(0, 2, 0.1)
    x = np.where(t < 1.2, np.nan, t)
    assert np.isnan(normalise(x, t, 0.5, 1.5)).all()
    mean, sd, n = curve_stats(np.array([np.zeros(101), np.full(101, 2.0), np.full(101, np.nan)]))
    assert np.allclose(mean, 1.0) and np.allclose(sd, np.sqrt(2)) and (n == 2).all()


def test_repetitions_run_rest_to_rest():
    t = np.arange(0, 10, 1 / 30)
    raise_ = 10 + 70 * np.clip(np.sin(2 * np.pi * 0.4 * t), 0, None)  # raise, then rest at 10 degrees
    kp = np.zeros((t.size, 33, 3))
    report = person_cycles(kp, t, BLAZEPOSE33.names, {"left_shoulder": raise_}, kind="repetitions")
    side = report.sides["left"]
    assert side.kind == "repetition" and side.driver == "left_shoulder"
    assert side.count >= 3
    assert side.mean_duration == pytest.approx(2.5, abs=0.15)
    mean = report.curves["left_shoulder"].mean
    assert mean[0] < 20 and mean[-1] < 20 and 60 < mean[50] < 85  # at rest at both ends, the raise between


def test_a_clip_starting_in_a_short_held_rest_keeps_its_first_repetition():
    """Rests of 1.5 s between raises, but the clip starts 0.6 s before the first one: the first cut cannot lie
    as far before the first peak as the next cut lies after it, yet the arm was held at rest, so it counts.
    Starting right as the arm leaves rest (the test above) it does not: an instant at rest is no rest."""
    fps, raise_s, rest_s = 30, 1.0, 1.5
    t = np.arange(0, 0.6 + 4 * (raise_s + rest_s), 1 / fps)
    phase = (t - 0.6) % (raise_s + rest_s)
    up = (t >= 0.6) & (phase < raise_s)
    x = 15 + np.where(up, 80 * np.sin(np.pi * phase / raise_s), 0.0)
    side = person_cycles(np.zeros((t.size, 33, 3)), t, BLAZEPOSE33.names, {"left_shoulder": x},
                         kind="repetitions").sides["left"]
    assert side.count == 4
    assert side.bounds[0][0] == pytest.approx(0.0, abs=0.05)      # cut at the clip's start, inside its rest
    assert side.bounds[1][0] == pytest.approx(0.6 + raise_s + rest_s / 2, abs=0.1)


# ----- real clips ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def walk_multipose(videos_dir, require_model):
    from posestudio.core.analysis.run import analyse_video

    require_model("movenet-multipose")
    return analyse_video(videos_dir / WALK, "movenet-multipose")


def _cycles_of(result, pid, **kw):
    from posestudio.core.analysis.person_angles import person_angles

    angles = person_angles(result, pid).angles
    return person_cycles(result.track(pid), result.timestamps, result.keypoint_names, angles, **kw)


@pytest.mark.slow
def test_walking_woman_strides_match_the_eye(walk_multipose):
    r = walk_multipose
    found = {}
    for pid in r.person_ids_present():
        if (r.person_ids == pid).any(axis=1).sum() >= 60:
            found[pid] = _cycles_of(r, pid)
    walkers = [pid for pid, rep in found.items() if rep.kind == "gait"]
    assert len(walkers) == 1, {pid: rep.kind for pid, rep in found.items()}  # the man's jumping jacks are not gait
    rep = found[walkers[0]]
    contacts = np.sort(np.concatenate([rep.events[s].contacts for s in ("left", "right")])) * r.fps
    assert contacts.size == len(EYE_WALK_CONTACTS)
    assert np.max(np.abs(contacts - EYE_WALK_CONTACTS)) <= 2  # frames (Zeni's maxima alone: 1-2 frames early)
    sides = [s for c in contacts for s in ("left", "right")
             if np.any(np.abs(rep.events[s].contacts * r.fps - c) < 1e-6)]
    assert all(a != b for a, b in zip(sides, sides[1:]))  # the feet take turns
    for s in ("left", "right"):
        assert rep.sides[s].count == 3
        assert 1.1 < rep.sides[s].mean_duration < 1.35  # eye: 36-39 frames per stride
        assert all(55 < p < 65 for p in rep.sides[s].toe_off_pct)  # textbook: about 60 %
    knee = rep.curves["left_knee"]  # the near leg (she walks towards the image's left)
    m = knee.mean
    assert knee.n.min() == 3
    assert m[0] < 20                                     # nearly straight at contact (reads 16)
    assert m[5:26].max() - m[0] > 10                     # the loading-response bump (31 at 11 %)
    assert m[5:26].max() - m[30:51].min() > 15           # then extension in mid stance (8)
    # the swing peak: 79 degrees at 75 %; frame by frame her knee is most bent at frames 107-108 of the stride
    # from 79.7 to 116.9, i.e. at 75-76 % (she walks slowly: 1.22 s per stride, where the peak comes late)
    assert m.max() > 60 and 65 <= int(np.argmax(m)) <= 77


@pytest.mark.slow
def test_walking_woman_with_blazepose_following_three_people(videos_dir, require_model):
    """BlazePose following several people (--people 3) gives her heels and toes: the same contacts, and a
    knee nearly straight at contact as in the textbook."""
    from posestudio.core.analysis.run import analyse_video

    require_model("blazepose-full")
    r = analyse_video(videos_dir / WALK, "blazepose-full", people=3)
    reps = {pid: _cycles_of(r, pid) for pid in r.person_ids_present() if (r.person_ids == pid).any(axis=1).sum() >= 60}
    walkers = [rep for rep in reps.values() if rep.kind == "gait"]
    assert len(walkers) == 1
    rep = walkers[0]
    contacts = np.sort(np.concatenate([rep.events[s].contacts for s in ("left", "right")])) * r.fps
    assert contacts.size == len(EYE_WALK_CONTACTS) and np.max(np.abs(contacts - EYE_WALK_CONTACTS)) <= 2
    assert [rep.sides[s].count for s in ("left", "right")] == [3, 3]
    m = rep.curves["left_knee"].mean
    assert m[0] < 15 and m[5:26].max() - m[0] > 5 and m[5:26].max() - m[30:51].min() > 5
    assert m.max() > 60 and 65 <= int(np.argmax(m)) <= 80  # reads 79 %: BlazePose's peak is 2-3 frames later


@pytest.mark.slow
def test_single_person_blazepose_mostly_misses_the_walking_woman(videos_dir, require_model):
    from posestudio.core.analysis.run import analyse_video

    require_model("blazepose-full")
    r = analyse_video(videos_dir / WALK, "blazepose-full")
    reps = [_cycles_of(r, pid) for pid in r.person_ids_present() if (r.person_ids == pid).any(axis=1).sum() >= 20]
    strides_found = sum(rep.sides[s].count for rep in reps if rep.kind == "gait" for s in rep.sides)
    assert strides_found < 2  # she is seen in a few frames only: no stride to average


def test_running_clip_has_one_stride_of_one_foot(videos_dir, require_model):
    from posestudio.core.analysis.person_angles import main_person
    from posestudio.core.analysis.run import analyse_video

    require_model("blazepose-full")
    r = analyse_video(videos_dir / RUN, "blazepose-full")
    rep = _cycles_of(r, main_person(r))
    assert rep.kind == "gait"
    contacts = np.sort(np.concatenate([rep.events[s].contacts for s in ("left", "right")])) * r.fps
    assert contacts.size == len(EYE_RUN_CONTACTS)
    # the 2nd and 3rd within a frame (found 23.5 and 29.7); the 1st is found at 15.5, 4 frames late: BlazePose
    # swaps her legs back and forth over frames 10-15 there (seen on the frames), and the swap fix leaves the
    # left heel level with the pelvis for five frames, so there is no clear furthest-ahead moment
    assert np.max(np.abs(contacts[1:] - EYE_RUN_CONTACTS[1:])) <= 3
    assert abs(contacts[0] - EYE_RUN_CONTACTS[0]) <= 4.5
    # one stride by eye (foot A from 11.5 to 30; foot B's stride began before the clip): one found
    assert sorted(sc.count for sc in rep.sides.values()) == [0, 1]


@pytest.mark.slow
def test_dumbbell_raises_are_four_repetitions_rest_to_rest(videos_dir, require_model):
    """Looked at every 15th frame: arms up around frames 60-105, 195-225, 315-345, 420-465; at rest around
    0-30, 150-165, 270-285, 390-405 and from 495 (480 is mid-way down). So four repetitions per arm."""
    from posestudio.core.analysis.person_angles import main_person
    from posestudio.core.analysis.run import analyse_video

    require_model("movenet-lightning")
    r = analyse_video(videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4", "movenet-lightning")
    rep = _cycles_of(r, main_person(r))
    assert rep.kind == "repetitions"
    eye_rests = ((0, 30), (150, 165), (270, 285), (390, 405), (495, 525))
    for side in ("left", "right"):
        sc = rep.sides[side]
        assert sc.driver == f"{side}_shoulder" and sc.count == 4
        cuts = [sc.bounds[0][0]] + [b for _, b in sc.bounds]
        for cut, (a, b) in zip(cuts, eye_rests):
            assert a - 15 <= cut * r.fps <= b + 15  # within half a second of the rest seen
        m = rep.curves[f"{side}_shoulder"].mean
        assert m[0] < 30 and m[-1] < 30 and m[40:61].max() > 90  # arm down, raised to about horizontal, down
