"""Person identities through crossings and occlusions, and the manual id fixes."""

import numpy as np
import pytest

from posestudio.core.analysis.body import torso_colours
from posestudio.core.analysis.id_edits import IdEditError, merge_ids, person_at, person_keypoints, swap_ids
from posestudio.core.analysis.identities import PersonTracker, assign_ids

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
    tracker = PersonTracker(fps=30, max_lost_s=1.0, max_hidden_s=3.0, frame_size=(640, 480))
    seen = []
    for f in range(40):
        people = [figure(400, 200)]
        if not 15 <= f < 20:  # A hidden for 5 frames while moving
            people.append(figure(40 + 6 * f, 220))
        seen.append(tracker.update(people))
    a_ids = {ids[1] for ids in seen if len(ids) == 2}
    b_ids = {ids[0] for ids in seen}
    assert len(a_ids) == 1 and len(b_ids) == 1 and a_ids != b_ids
    # missed for 2 s in the middle of the picture: still A when seen again near where A was
    for f in range(60):
        tracker.update([figure(400, 200)])
    back = [tracker.update([figure(400, 200), figure(40 + 6 * 40, 220)]) for _ in range(2)]
    assert back[0][1] in a_ids and back[1][1] in a_ids
    # gone for 4 s (longer than max_hidden_s): whoever shows up there is someone new, after two sightings
    for f in range(120):
        tracker.update([figure(400, 200)])
    back = [tracker.update([figure(400, 200), figure(40 + 6 * 40, 220)]) for _ in range(2)]
    assert back[0] == [*b_ids, -1]
    assert back[1][0] in b_ids and back[1][1] not in a_ids | b_ids | {-1}


def test_who_walked_out_at_the_edge_is_forgotten_sooner():
    tracker = PersonTracker(fps=30, max_lost_s=1.0, max_hidden_s=3.0, frame_size=(640, 480))
    first = [tracker.update([figure(400, 240), figure(600 + 2 * f, 240)]) for f in range(10)]
    out_id = first[0][1]
    assert all(ids[1] == out_id for ids in first)  # at the right edge
    for f in range(45):  # 1.5 s: more than max_lost_s, less than max_hidden_s
        tracker.update([figure(400, 240)])
    again = [tracker.update([figure(400, 240), figure(620, 240)]) for _ in range(2)]
    assert again[1][1] not in (out_id, -1)


def test_one_frame_fragments_get_no_id():
    tracker = PersonTracker(fps=30)
    assert tracker.update([figure(100, 200)]) == [0]  # the first frame's people at once
    for f in range(1, 30):
        people = [figure(100, 200)]
        if f % 5 == 0:  # a false detection flickering in single frames
            people.append(figure(400 + 40 * f, 100, height=60))
        ids = tracker.update(people)
        assert ids[0] == 0 and ids[1:] in ([], [-1])
    assert tracker.update([figure(100, 200), figure(300, 200)]) == [0, -1]
    assert tracker.update([figure(100, 200), figure(302, 200)]) == [0, 1]  # seen twice: an id, the next one
    assert tracker.active_ids == [0, 1]


def test_hidden_person_reappears_beside_the_one_in_front_while_the_camera_pans():
    """As in the gym clip: A walks in front of B and stops there, hiding B for 1.8 s while the camera pans
    (both drift in the picture). B then steps out on A's far side, alone for a frame as A is missed: B must
    get B's id back, not A's (seen a frame ago, but it cannot jump that far) nor a new one."""
    tracker = PersonTracker(fps=30)
    ids_a, ids_b = [], []
    for f in range(120):
        pan = -1.5 * f
        a = figure(150 + 3.5 * min(f, 30) + pan, 200, height=100)
        b = figure(260 + pan if f < 85 else 310 + pan, 200, height=100)
        if 30 <= f < 85:
            ids_a += tracker.update([a])  # B behind A
        elif f == 85:
            ids_b += tracker.update([b])  # A missed by the detector
        else:
            got = tracker.update([a, b])
            ids_a.append(got[0])
            ids_b.append(got[1])
    assert set(ids_a) == {0} and set(ids_b) == {1}


def test_size_jump_is_not_the_same_person():
    tracker = PersonTracker(fps=30, frame_size=(640, 480))
    for f in range(10):
        tracker.update([figure(200, 240, height=100), figure(400, 240, height=100)])
    for f in range(30):
        tracker.update([figure(200, 240, height=100)])
    # someone twice as tall where the second person was, 1 s later: new (the camera may have moved)
    ids = [tracker.update([figure(200, 240, height=100), figure(400, 240, height=200)]) for _ in range(2)]
    assert ids[1][1] not in (0, 1, -1)


def test_appearance_tells_apart_people_who_turn_back_unseen():
    """Two people walk towards each other, vanish together for 0.4 s, and come back the way they came.
    Motion alone says they walked on (and swaps them); their clothes say otherwise."""
    rng = np.random.default_rng(1)
    red = np.array([8.0, 2, 1, 0, 0, 0, 0, 0])  # colour histograms of their shirts
    blue = np.array([0.0, 0, 0, 0, 0, 1, 2, 8])
    results = {}
    for use_appearance in (False, True):
        tracker = PersonTracker(fps=30, frame_size=(640, 480))
        got = []
        for f in range(60):
            d = 8 * f if f < 30 else 8 * (60 - f)  # both turn back at f = 30
            a, b = figure(100 + d, 240, wobble=2, rng=rng), figure(540 - d, 240, wobble=2, rng=rng)
            if 26 <= f < 38:
                continue  # both unseen
            looks = [red, blue] if use_appearance else None
            got.append(tracker.update([a, b], timestamp=f / 30, appearance=looks))
        results[use_appearance] = (got[0], got[-1])
    first, last = results[True]
    assert first == last
    assert results[False][1] == results[False][0][::-1]  # without: the swap this cue prevents


def test_torso_colours_follow_the_shirt():
    rgb = np.zeros((300, 400, 3), dtype=np.uint8)
    rgb[:] = (40, 160, 40)  # grass
    people = [figure(100, 150, height=200), figure(300, 150, height=200)]
    for kp, colour in zip(people, [(220, 30, 30), (30, 30, 220)]):
        x0, x1 = int(kp[:, 0].min()), int(kp[:, 0].max())
        rgb[80:180, x0:x1] = colour  # torso band between shoulders and hips
    red, blue = torso_colours(rgb, people)
    assert red.shape == (64,) and np.isclose(red.sum(), 1) and np.isclose(blue.sum(), 1)
    assert np.sqrt(red * blue).sum() < 0.2  # barely overlapping histograms
    again = torso_colours(rgb, [figure(102, 152, height=200)])[0]
    assert np.sqrt(red * again).sum() > 0.9
    assert torso_colours(rgb, [np.full((17, 3), np.nan)]) == [None]


def test_torso_colours_count_every_pixel_of_the_inner_torso_once():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    kp = figure(200, 150, height=200)
    hist = torso_colours(rgb, [kp])[0]
    # the inner torso patch the function takes (shoulders and hips of this figure), binned by hand
    torso = kp[[5, 6, 11, 12], :2]
    (x0, y0), (x1, y1) = torso.min(0), torso.max(0)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, max((x1 - x0) * 0.35, 2), max((y1 - y0) * 0.4, 2)
    patch = rgb[int(cy - hh):int(cy + hh), int(cx - hw):int(cx + hw)].reshape(-1, 3) // 64
    counts = np.zeros((4, 4, 4))
    np.add.at(counts, (patch[:, 0], patch[:, 1], patch[:, 2]), 1)
    np.testing.assert_allclose(hist, counts.ravel() / len(patch))


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
    # 5 s later by the clock (frame counts would say 1/30 s): the track has expired
    assert tracker.update([figure(108, 200)], timestamp=5.0) != first


def _standing(x: float, height: float = 100.0) -> np.ndarray:
    """A crude 17-point person, `height` px tall, centred at x."""
    kp = np.zeros((17, 3))
    kp[:, 0] = x + np.linspace(-height / 6, height / 6, 17)
    kp[:, 1] = np.linspace(0, height, 17)
    kp[:, 2] = 0.9
    return kp


def test_single_person_hop_to_someone_else_gets_another_id_and_coming_back_keeps_the_first():
    from posestudio.core.analysis.single_person import SinglePersonTracker

    tr = SinglePersonTracker()
    xs = [100 + 5 * i for i in range(10)] + [600] * 5 + [160] * 5  # walks right, model hops to x=600, comes back
    ids = [tr.update([_standing(x)], timestamp=i / 30)[0] for i, x in enumerate(xs)]
    assert ids[:10] == [0] * 10
    assert set(ids[10:15]) == {1}
    assert ids[15:] == [0] * 5


def test_single_person_walking_steadily_or_reappearing_later_keeps_its_id():
    from posestudio.core.analysis.single_person import SinglePersonTracker

    tr = SinglePersonTracker()
    ids = [tr.update([_standing(100 + 20 * i)], timestamp=i / 30)[0] for i in range(30)]  # fast runner
    ids += [tr.update([np.full((17, 3), np.nan)], timestamp=1.0 + i / 30)[0] for i in range(30)]  # nobody seen
    ids.append(tr.update([_standing(900)], timestamp=3.0)[0])  # back 2 s later, elsewhere: plausible
    assert set(ids) == {0}


def test_single_person_hop_back_from_a_small_figure_to_a_big_one_does_not_join_them():
    from posestudio.core.analysis.single_person import SinglePersonTracker

    tr = SinglePersonTracker()
    # a big person, then the model hops to a small figure far away for 2 s, then to the big one again
    ids = [tr.update([_standing(300, height=700)], timestamp=i / 30)[0] for i in range(10)]
    ids += [tr.update([_standing(1200, height=100)], timestamp=(10 + i) / 30)[0] for i in range(60)]
    ids += [tr.update([_standing(1000, height=700)], timestamp=(70 + i) / 30)[0] for i in range(10)]
    assert set(ids[:10]) == {0}
    assert len(set(ids[10:70])) == 1 and ids[10] != 0
    assert set(ids[70:]) == {0}, ids[70:]  # the big person back (moved 700 px in 2 s), not the small one


def _shirt(rgb_bin: int) -> np.ndarray:
    h = np.zeros(64)
    h[rgb_bin] = 1.0
    return h


def test_single_person_slide_onto_an_overlapping_player_in_other_clothes_gets_another_id():
    from posestudio.core.analysis.single_person import SinglePersonTracker

    def run(second_shirt, shift):
        tr = SinglePersonTracker()
        ids = [tr.update([_standing(300)], timestamp=i / 30, appearance=[_shirt(5)])[0] for i in range(10)]
        # the model slides onto someone overlapping: a third of a body to the side
        ids += [tr.update([_standing(300 + shift)], timestamp=(10 + i) / 30, appearance=[second_shirt])[0]
                for i in range(10)]
        return ids

    white_to_blue = run(_shirt(40), 30)
    assert set(white_to_blue[:10]) == {0} and set(white_to_blue[10:]) == {1}
    assert set(run(_shirt(5), 30)) == {0}   # same clothes, a small shift: the same person moving
    assert set(run(_shirt(40), 0)) == {0}   # colours change in place (a flip against the light): same person


def test_single_person_observed_ahead_gives_the_ids_update_gives():
    """The join of two segments works out what the tracker takes from each waiting frame before their ids
    (observe), then gives the ids in order (update_observed): the same as update() frame by frame."""
    from posestudio.core.analysis.single_person import SinglePersonTracker

    rng = np.random.default_rng(3)
    frames = []
    for i in range(120):   # walks, hops away and back, is lost, changes shirt
        x = 600 if 40 <= i < 55 else 100 + 4 * i
        kp = np.full((17, 3), np.nan) if 70 <= i < 80 else _standing(x + rng.normal(0, 2))
        frames.append(([kp] + [_standing(900)] * (i % 3 == 0), [_shirt(5 if i < 90 else 40)], i / 30))
    at_once, ahead = SinglePersonTracker(), SinglePersonTracker()
    seen = [ahead.observe(kps, looks) for kps, looks, _t in frames]   # before any id is given
    ids = [at_once.update(kps, None, t, appearance=looks) for kps, looks, t in frames]
    assert ids == [ahead.update_observed(len(kps), o, t) for (kps, _l, t), o in zip(frames, seen)]
    assert len({i[0] for i in ids}) >= 2 and any(len(i) == 2 and i[1] == -1 for i in ids)
