"""Leaving out what the keypoints cannot support: too-short segments, wrong islands, implausible bridges."""

import numpy as np
import pytest

from posestudio.core.kinematics import angle_table, default_angle, fill_gaps, smooth
from posestudio.core.kinematics.angles import COCO17_NAMES, AngleDef, points_lookup
from posestudio.core.kinematics.filtering import reject_islands
from posestudio.core.kinematics.reliability import segments_of, short_segment_mask, trunk_scale

FS = 30.0
IDX = {n: i for i, n in enumerate(COCO17_NAMES)}


def person(frames=60, trunk=200.0, forearm=100.0):
    """(F, 17, 3) keypoints of an upright person, arms straight out sideways, every point scored 0.9.

    Shoulder centre (400, 100), hip centre (400, 100 + trunk); upper arms 100 px; `forearm` px forearms.
    The left arm points to the image's left, the right one to the right (far apart: no side swap).
    """
    kp = np.zeros((frames, 17, 3))
    kp[..., 2] = 0.9
    hip_y = 100 + trunk
    pts = {"nose": (400, 60), "left_eye": (395, 55), "right_eye": (405, 55), "left_ear": (390, 60),
           "right_ear": (410, 60), "left_shoulder": (380, 100), "right_shoulder": (420, 100),
           "left_elbow": (280, 100), "right_elbow": (520, 100),
           "left_wrist": (280 - forearm, 100), "right_wrist": (520 + forearm, 100),
           "left_hip": (385, hip_y), "right_hip": (415, hip_y), "left_knee": (385, hip_y + 100),
           "right_knee": (415, hip_y + 100), "left_ankle": (385, hip_y + 200), "right_ankle": (415, hip_y + 200)}
    for name, xy in pts.items():
        kp[:, IDX[name], :2] = xy
    return kp


def test_segments_of_each_kind():
    assert segments_of(default_angle("left_elbow")) == [("left_shoulder", "left_elbow"),
                                                        ("left_elbow", "left_wrist")]
    assert segments_of(default_angle("left_forearm")) == [("left_elbow", "left_wrist")]
    assert segments_of(AngleDef("k", "three_point", ("a", "b", "c"), "")) == [("b", "a"), ("b", "c")]


def test_trunk_scale_is_a_rolling_median_that_falls_back_to_the_whole_track():
    kp = person(frames=60)
    kp[:10, IDX["left_hip"], 1] = kp[:10, IDX["right_hip"], 1] = 200  # trunk 100 px
    kp[10:20, IDX["left_hip"], 1] = kp[10:20, IDX["right_hip"], 1] = 400  # trunk 300 px
    kp[20:, IDX["left_hip"], 2] = kp[20:, IDX["right_hip"], 2] = 0.0  # no trunk afterwards
    scale = trunk_scale(points_lookup(kp, COCO17_NAMES, 0.3))
    assert scale[0] == pytest.approx(100)  # its window sees 10 frames of 100 and 6 of 300
    assert scale[59] == pytest.approx(200)  # window without a trunk: median of the whole track
    no_hips = kp.copy()
    no_hips[:, [IDX["left_hip"], IDX["right_hip"]], 2] = 0.0
    assert np.isnan(trunk_scale(points_lookup(no_hips, COCO17_NAMES, 0.3))).all()


def test_foreshortened_forearm_is_left_out_of_filtered_but_kept_in_raw():
    kp = person(frames=60, trunk=200.0)
    # wrist 10 px above the elbow (5 % of the trunk, yet above the 6 px floor): elbow reads 90 instead of 0
    kp[20:25, IDX["left_wrist"], :2] = (280, 90)
    t = np.arange(60) / FS
    table = angle_table(kp, t, COCO17_NAMES)
    short = np.zeros(60, dtype=bool)
    short[20:25] = True
    np.testing.assert_array_equal(table.too_short["left_elbow"], short)
    np.testing.assert_array_equal(table.too_short["left_forearm"], short)
    for name in ("left_upper_arm", "left_shoulder", "right_elbow", "right_forearm"):
        assert not table.too_short[name].any(), name
    assert table.raw["left_elbow"][20:25] == pytest.approx(90.0)  # raw keeps the noisy samples
    # a 5-frame gap (0.17 s) is bridged from the neighbours (0 deg), not drawn through the raw 90 deg
    assert np.isfinite(table.filtered["left_elbow"]).all()
    assert np.abs(table.filtered["left_elbow"][20:25]).max() < 1.0
    assert table.filtered["left_forearm"][20:25] == pytest.approx(180.0, abs=1.0)
    assert table.raw["left_forearm"][20:25] == pytest.approx(90.0)


def test_pixel_floor_applies_without_a_trunk_and_the_trunk_share_with_one():
    kp = person(frames=60, trunk=200.0)
    kp[:30, IDX["left_wrist"], 0] = 280 - 4  # 4 px forearm
    kp[30:, IDX["left_wrist"], 0] = 280 - 20  # 20 px forearm
    forearm = [default_angle("left_forearm")]
    no_hips = kp.copy()
    no_hips[:, [IDX["left_hip"], IDX["right_hip"]], 2] = 0.0
    mask = short_segment_mask(no_hips, COCO17_NAMES, forearm, min_fraction=0.25, min_px=6)["left_forearm"]
    np.testing.assert_array_equal(mask, np.arange(60) < 30)
    # with the trunk seen, 20 px is under a quarter of its 200 px too
    assert short_segment_mask(kp, COCO17_NAMES, forearm, min_fraction=0.25, min_px=6)["left_forearm"].all()


def test_no_masking_without_smoothing():
    kp = person(frames=60)
    kp[20:25, IDX["left_wrist"], :2] = (280, 90)
    table = angle_table(kp, np.arange(60) / FS, COCO17_NAMES, smoothing=False)
    assert table.too_short == {}
    np.testing.assert_array_equal(table.filtered["left_elbow"], table.raw["left_elbow"])
    assert table.filtered["left_elbow"][20:25] == pytest.approx(90.0)


def islands_track(offset, length=2, gap_before=1):
    """10 deg everywhere, an island of `length` samples at 10 + offset between NaN gaps (1 sample after)."""
    x = np.full(40, 10.0)
    start = 10 + gap_before
    x[10:start] = np.nan
    x[start:start + length] = 10.0 + offset
    x[start + length] = np.nan
    return x, slice(start, start + length)


@pytest.mark.parametrize("offset, length, gap_before, removed", [
    (60, 2, 1, True),    # disagrees with both sides: a wrong pose between two misses
    (10, 2, 1, False),   # within min_jump of its neighbours: real data
    (60, 4, 1, False),   # longer than max_len (3)
    (60, 2, 9, False),   # 10 frames (0.33 s) from the data before it: cannot be checked on that side
])
def test_reject_islands(offset, length, gap_before, removed):
    x, island = islands_track(offset, length, gap_before)
    out = reject_islands(x, np.arange(x.size) / FS)
    assert np.isnan(out[island]).all() == removed
    assert np.isfinite(out[island]).all() == (not removed)
    outside = np.ones(x.size, dtype=bool)
    outside[island] = False
    np.testing.assert_array_equal(out[outside], x[outside])  # nothing else touched


def step_with_gap(before, after):
    x = np.array([before] * 10 + [np.nan] * 3 + [after] * 10, dtype=float)
    return x, np.arange(x.size) / FS


def test_fill_gaps_leaves_open_a_gap_crossed_too_fast():
    x, t = step_with_gap(10.0, 150.0)  # 140 deg in 4 frame intervals: 1050 deg/s
    assert np.isnan(fill_gaps(x, t, max_rate=1000.0)[10:13]).all()
    assert np.isfinite(fill_gaps(x, t)[10:13]).all()
    x, t = step_with_gap(10.0, 130.0)  # 900 deg/s: plausible
    assert np.isfinite(fill_gaps(x, t, max_rate=1000.0)[10:13]).all()
    x, t = step_with_gap(10.0, 30.0)
    filled = fill_gaps(x, t, max_rate=1000.0)
    assert np.all((filled[10:13] > 10.0) & (filled[10:13] < 30.0))


def test_smooth_passes_max_bridge_rate_on():
    x, t = step_with_gap(10.0, 150.0)
    assert np.isnan(smooth(x, t, cutoff_hz=None, max_bridge_rate=1000.0)[10:13]).all()
    assert np.isfinite(smooth(x, t, cutoff_hz=None)[10:13]).all()
