"""Gap filling, outlier rejection, zero-lag Butterworth on real timestamps, velocity."""

import numpy as np
import pytest

from posestudio.core.kinematics import (
    angular_velocity,
    butterworth,
    drop_edge_runs,
    fill_gaps,
    reject_outliers,
    smooth,
)

FS = 30.0


def clock(seconds=10.0, fs=FS):
    return np.arange(int(seconds * fs)) / fs


def sine(t, hz, amp=1.0):
    return amp * np.sin(2 * np.pi * hz * t)


def test_butterworth_keeps_slow_sine_amplitude_and_phase():
    t = clock()
    slow = sine(t, 1.0, 40.0)
    out = butterworth(slow, t, cutoff_hz=6.0, order=4)
    inner = slice(30, -30)  # away from the edges
    assert np.max(np.abs(out[inner])) == pytest.approx(40.0, rel=0.02)
    assert np.max(np.abs(out[inner] - slow[inner])) < 0.02 * 40  # same phase: pointwise close
    lags = np.arange(-5, 6)
    best = lags[np.argmax([np.dot(np.roll(out, k)[inner], slow[inner]) for k in lags])]
    assert best == 0


def test_butterworth_removes_fast_sine():
    t = clock()
    fast = sine(t, 12.0, 10.0)
    out = butterworth(fast, t, cutoff_hz=6.0)
    assert np.max(np.abs(out[30:-30])) < 0.05 * 10
    mixed = butterworth(sine(t, 1.0, 40.0) + fast, t)
    assert np.max(np.abs(mixed[30:-30] - sine(t, 1.0, 40.0)[30:-30])) < 0.03 * 40


def test_irregular_timestamps_use_real_time():
    rng = np.random.default_rng(1)
    t = clock(8.0) + rng.uniform(-0.004, 0.004, int(8 * FS))
    keep = np.sort(rng.choice(t.size, int(t.size * 0.85), replace=False))  # dropped frames
    t = np.sort(t[keep])
    t[t.size // 2:] += 0.1  # a stall in the recording
    slow = sine(t, 1.0, 40.0)
    noisy = slow + rng.normal(0, 2.0, t.size)
    inner = slice(25, -25)
    clean = butterworth(slow, t)
    assert np.max(np.abs(clean[inner] - slow[inner])) < 0.02 * 40  # amplitude and phase at the real times
    out = butterworth(noisy, t)
    assert np.std(out[inner] - slow[inner]) < 0.8 * np.std(noisy[inner] - slow[inner])  # 6 of ~15 Hz passes ~63 %
    # a 4 Hz movement (below the 6 Hz cutoff) survives on these timestamps
    mid = butterworth(sine(t, 4.0, 10.0), t)
    assert np.max(np.abs(mid[inner])) > 8.0


def test_cutoff_is_in_hertz_of_the_real_frame_rate():
    t = clock(6.0, fs=60.0)  # at 60 fps a filter that assumed 30 fps would pass 12 Hz
    out = butterworth(sine(t, 12.0, 10.0) + sine(t, 1.0, 40.0), t, cutoff_hz=6.0)
    assert np.max(np.abs(out[60:-60] - sine(t, 1.0, 40.0)[60:-60])) < 0.03 * 40


def test_short_run_left_unfiltered_and_nan_kept():
    t = clock(3.0)
    x = sine(t, 12.0, 5.0)
    x[10] = np.nan  # a 10-frame run before the gap, too short for the filter's padding
    out = butterworth(x, t)
    np.testing.assert_array_equal(out[:10], x[:10])
    assert np.isnan(out[10])
    assert np.max(np.abs(out[30:-30])) < 0.5  # the long run was filtered


def test_gap_filling_limits():
    t = clock(4.0)
    x = 2.0 * t + 5.0
    x[20:25] = np.nan    # 5 frames, 0.17 s: filled
    x[50:57] = np.nan    # 7 frames, 0.23 s: filled (limit 0.25 s)
    x[70:79] = np.nan    # 9 frames, 0.3 s: left empty
    x[:3] = np.nan       # edges: never extrapolated
    x[-2:] = np.nan
    out = fill_gaps(x, t, max_gap_s=0.25)
    np.testing.assert_allclose(out[20:25], 2.0 * t[20:25] + 5.0)
    np.testing.assert_allclose(out[50:57], 2.0 * t[50:57] + 5.0)
    assert np.isnan(out[70:79]).all()
    assert np.isnan(out[:3]).all() and np.isnan(out[-2:]).all()
    assert np.isnan(x[20:25]).all()  # input untouched


def test_outlier_spike_removed_but_sharp_peaks_kept():
    rng = np.random.default_rng(2)
    t = clock(6.0)
    truth = 60 + 50 * np.sin(2 * np.pi * 1.5 * t) ** 3  # fast, peaky like a running knee
    x = truth + rng.normal(0, 1.0, t.size)
    assert np.isfinite(reject_outliers(x, t)).all()  # nothing genuine flagged
    x[47] += 45.0
    x[120] -= 35.0
    cleaned = reject_outliers(x, t)
    assert np.isnan(cleaned[[47, 120]]).all()
    assert np.isfinite(np.delete(cleaned, [47, 120])).all()
    smoothed = smooth(x, t)
    assert abs(smoothed[47] - truth[47]) < 4.0 and abs(smoothed[120] - truth[120]) < 4.0
    assert abs(butterworth(x, t)[47] - truth[47]) > abs(smoothed[47] - truth[47])  # the rejection mattered


def test_smooth_keeps_long_gaps_empty():
    t = clock(6.0)
    x = sine(t, 1.0, 30.0)
    x[60:90] = np.nan  # 1 s missing
    x[120:123] = np.nan
    out = smooth(x, t)
    assert np.isnan(out[60:90]).all()
    assert np.isfinite(out[120:123]).all()
    assert np.max(np.abs(out[100:150] - sine(t, 1.0, 30.0)[100:150])) < 1.0


def test_velocity_of_ramp_equals_slope():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.02, 0.05, 100))
    x = 3.0 + 25.0 * t
    np.testing.assert_allclose(angular_velocity(x, t), 25.0, rtol=1e-9)
    x[40:43] = np.nan
    x[70] = np.nan
    x[72] = np.nan  # lone sample at 71
    v = angular_velocity(x, t)
    np.testing.assert_allclose(v[np.isfinite(x) & ~np.isin(np.arange(100), [71])], 25.0, rtol=1e-9)
    assert np.isnan(v[[40, 41, 42, 70, 71, 72]]).all()


def test_two_dimensional_input_is_per_column():
    t = clock(4.0)
    x = np.stack([sine(t, 1.0, 10.0), 5.0 * t], axis=1)
    v = angular_velocity(x, t)
    assert v.shape == x.shape
    np.testing.assert_allclose(v[:, 1], 5.0, rtol=1e-9)
    assert smooth(x, t).shape == x.shape


def test_cubic_gap_fill_follows_a_peak():
    t = clock(3.0)
    x = sine(t, 1.0, 40.0)
    gap = slice(5, 11)  # around the peak at 0.25 s (frame 7.5)
    holed = x.copy()
    holed[gap] = np.nan
    cubic = fill_gaps(holed, t)
    linear = fill_gaps(holed, t, method="linear")
    assert np.max(np.abs(cubic[gap] - x[gap])) < 1.0
    assert np.max(np.abs(linear[gap] - x[gap])) > 3.0


def test_short_runs_cut_off_at_the_track_edges_are_dropped_not_joined():
    t = clock(3.0)
    truth = sine(t, 0.8, 30.0) + 60.0
    x = truth.copy()
    x[:4] = np.nan
    x[1] = 150.0            # the track starts: one frame found, one missed, then the real curve
    x[-6:] = np.nan
    x[-4:-2] = [-20.0, -25.0]  # the track ends: two frames of a limb collapsing as it leaves the picture
    x[40] = np.nan          # an interior lone sample between two misses stays (both sides can confirm it)
    x[42] = np.nan
    before = x.copy()
    out = smooth(x, t)
    assert np.array_equal(np.isnan(x), np.isnan(before)) and np.nanmax(x) == 150.0  # raw untouched
    assert np.isnan(out[:4]).all() and np.isnan(out[-6:]).all()
    assert np.isfinite(out[4:-6]).all()
    assert np.max(np.abs(out[4:-6] - truth[4:-6])) < 1.5  # nothing of the edge samples leaks in
    # without the rule, gap filling joins the curve to them
    assert np.isfinite(smooth(x, t, min_edge_run=0)[1:4]).all()
    # three samples are a confirmed run; a track made of one short run is all there is and is kept
    y = np.full(20, np.nan)
    y[2:5], y[10:19] = 1.0, 2.0
    assert np.array_equal(np.isnan(drop_edge_runs(y)), np.isnan(y))
    z = np.full(20, np.nan)
    z[5:7] = 3.0
    assert np.array_equal(drop_edge_runs(z), z, equal_nan=True)


def test_outliers_at_the_edges_of_a_stretch_are_judged_against_their_inner_neighbours():
    t = np.arange(20) / 30.0
    ramp = 10.0 + 30.0 * t * 10  # 100 deg/s, steady
    x = ramp.copy()
    x[10] = np.nan  # two stretches: 0-9 and 11-19
    x[0] += 60.0    # a model's first frame on a person, far off the line the next frames draw
    x[9] -= 45.0    # the last sample before a gap, off the same way
    out = reject_outliers(x, t)
    assert np.isnan(out[[0, 9]]).all()
    assert np.allclose(out[1:9], ramp[1:9]) and np.allclose(out[11:], ramp[11:])  # the rest untouched
    assert np.allclose(reject_outliers(ramp, t), ramp)  # a clean ramp keeps its ends


def test_a_short_stretch_between_gaps_that_disagrees_with_itself_is_dropped():
    from posestudio.core.kinematics.filtering import reject_islands

    t = np.arange(30) / 30.0
    x = np.full(30, 50.0)
    x[10:12] = np.nan
    x[12:14] = (20.0, 75.0)  # 55 degrees between its own two frames, nothing around to confirm either
    x[14:16] = np.nan
    assert np.isnan(reject_islands(x, t)[12:14]).all()
    x[12:14] = (48.0, 53.0)  # a consistent stretch agreeing with its neighbours stays
    assert np.allclose(reject_islands(x, t)[12:14], (48.0, 53.0))


def test_a_bridge_never_moves_faster_than_max_rate():
    # the sides of a 5-frame gap agree at 900 deg/s on average, but a cubic through their trends
    # (rising into the gap, falling after it) would swing through it faster than 1000 deg/s
    t = np.arange(14) / 30.0
    x = np.array([0, 10, 20, np.nan, np.nan, np.nan, np.nan, np.nan, 200, 190, 180, 170, 160, 150], float)
    free = fill_gaps(x, t)
    limited = fill_gaps(x, t, max_rate=1000.0)
    assert np.nanmax(np.abs(np.diff(free[2:9]))) * 30 > 1000  # the failure this guards against
    assert np.all(np.abs(np.diff(limited[2:9])) * 30 <= 1000 + 1e-6)
    assert np.isfinite(limited).all()


def test_a_fast_sample_next_to_missing_data_is_dropped_but_not_next_to_a_rejected_one():
    from posestudio.core.kinematics.filtering import reject_fast_edges

    t = np.arange(12) / 30.0
    # a limb leaving the picture: its last frame swings 60 degrees (1800 deg/s), then nothing
    x = np.array([10, 12, 14, 16, 18, 20, 22, 24, 84, np.nan, np.nan, np.nan])
    out = reject_fast_edges(x, t, x)
    assert np.isnan(out[8]) and np.isfinite(out[:8]).all()
    # and entering: the first frame after a gap far off its neighbour
    y = np.array([np.nan, np.nan, 90, 30, 32, 34, 36, 38, 40, 42, 44, 46])
    assert np.isnan(reject_fast_edges(y, t, y)[2]) and np.isfinite(reject_fast_edges(y, t, y)[3:]).all()
    # a quick but possible movement (30 degrees a frame) next to a gap stays
    z = np.array([10, 12, 14, 16, 18, 20, 22, 24, 54, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(reject_fast_edges(z, t, z), z)
    # next to a gap the outlier test made (the measurement was there), a fast real movement stays
    measured = x.copy()
    measured[9] = 200.0
    np.testing.assert_array_equal(reject_fast_edges(x, t, measured), x)
