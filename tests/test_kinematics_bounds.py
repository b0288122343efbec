"""Smoothed unsigned angles stay in their domain: the gap filler and the filter never invent 300 degrees.

The track below is the left elbow of the player followed on the basketball gym clip (movenet-multipose):
before the arm disappears the elbow keypoint fails (41 -> 149 degrees in one frame), and the cubic across
the gap swung to 292 degrees, which the timeline showed as a spike.
"""

from __future__ import annotations

import numpy as np

from posestudio.core.kinematics import AngleDef, angle_table, fill_gaps, smooth
from posestudio.core.kinematics.table import value_bounds

NAN = np.nan
GYM_ELBOW = np.array([60.2, 55.0, 49.4, 22.3, 41.1, 148.9, NAN, NAN, NAN, NAN, NAN, NAN, 87.7, 14.2, 21.6, 30.4,
                      35.0, 1.2, 0.4, 145.9, NAN, NAN, NAN, 177.1, 155.6, 150.2, 149.0, 151.3, 152.0, 150.5])


def _clock(n, fps=30.0):
    return np.arange(n) / fps


def test_gap_bridge_does_not_swing_beyond_its_samples():
    t = _clock(GYM_ELBOW.size)
    filled = fill_gaps(GYM_ELBOW, t, max_gap_s=0.25)
    gap = slice(6, 12)
    assert np.isfinite(filled[gap]).all()
    assert filled[gap].max() <= 148.9 + 1e-6 and filled[gap].min() >= 14.2 - 1e-6


def test_smoothing_an_unsigned_angle_stays_in_0_to_180():
    t = _clock(GYM_ELBOW.size)
    # without outlier rejection (which now removes this track's worst samples) the filter overshoots 180
    unbounded = smooth(GYM_ELBOW, t, outliers=False)
    assert np.nanmax(unbounded) > 180  # the failure this guards against is real for this track
    bounded = smooth(GYM_ELBOW, t, outliers=False, bounds=(0.0, 180.0))
    assert np.nanmin(bounded) >= 0.0 and np.nanmax(bounded) <= 180.0
    assert np.isfinite(bounded).sum() == np.isfinite(unbounded).sum()


def test_angle_table_bounds_each_kind():
    elbow = AngleDef("e", "three_point", ("left_shoulder", "left_elbow", "left_wrist"), "")
    ankle = AngleDef("a", "segment_pair", ("left_knee", "left_ankle", "left_heel", "left_foot_index"), "",
                     offset=90.0)
    thigh = AngleDef("t", "segment", ("left_hip", "left_knee"), "", signed=True)
    assert value_bounds(elbow) == (0.0, 180.0)
    assert value_bounds(ankle) == (-90.0, 90.0)
    assert value_bounds(thigh) is None


def test_angle_table_keeps_a_noisy_elbow_in_range():
    # an arm whose wrist jumps around the elbow for a few frames and then vanishes for 5 frames
    n = 60
    t = _clock(n)
    names = ("left_shoulder", "left_elbow", "left_wrist")
    kp = np.zeros((n, 3, 3))
    kp[:, 0] = (100.0, 100.0, 0.9)
    kp[:, 1] = (100.0, 150.0, 0.9)
    bend = np.radians(20 + 30 * np.sin(2 * np.pi * t))
    kp[:, 2, 0] = 100.0 + 50 * np.sin(bend)
    kp[:, 2, 1] = 150.0 + 50 * np.cos(bend)
    kp[:, 2, 2] = 0.9
    rng = np.random.default_rng(3)
    for i in (27, 28, 29, 35, 36):
        a = rng.uniform(0, 2 * np.pi)
        kp[i, 2, :2] = 100.0 + 50 * np.cos(a), 150.0 + 50 * np.sin(a)
    kp[30:35, 2, 2] = 0.05  # low score: a gap the filler bridges, unless the sides disagree too fast
    elbow = AngleDef("elbow", "three_point", names, "")
    table = angle_table(kp, t, names, angles=[elbow], fix_sides=False)
    filtered = table.filtered["elbow"]
    assert np.nanmin(filtered) >= 0.0 and np.nanmax(filtered) <= 180.0
    assert np.isfinite(filtered[:27]).all() and np.isfinite(filtered[37:]).all()
    # the same arm with the wrist's noise only inside the gap: both sides agree, so the gap is bridged
    kp[[27, 28, 29, 35, 36], 2, :2] = kp[[26, 26, 26, 37, 37], 2, :2]
    filtered = angle_table(kp, t, names, angles=[elbow], fix_sides=False).filtered["elbow"]
    assert np.isfinite(filtered[30:35]).all()
    assert np.nanmin(filtered) >= 0.0 and np.nanmax(filtered) <= 180.0
