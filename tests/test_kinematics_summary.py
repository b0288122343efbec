"""Summary numbers, repetition counting and cadence on signals whose answers are known."""

import numpy as np
import pytest

from posestudio.core.kinematics import angle_table, find_repetitions, gait_cadence, summarise
from posestudio.core.kinematics.summary import usual_range
from posestudio.core.kinematics.angles import COCO17_NAMES


def test_summary_of_known_sine():
    t = np.arange(0, 10, 1 / 30)
    x = 10 + 30 * np.sin(2 * np.pi * 0.5 * t)  # 5 cycles, max at 0.5 s, min at 1.5 s
    s = summarise(x, t)
    assert s["max"] == pytest.approx(40.0, abs=0.05) and s["t_max"] == pytest.approx(0.5, abs=1 / 30)
    assert s["min"] == pytest.approx(-20.0, abs=0.05) and s["t_min"] == pytest.approx(1.5, abs=1 / 30)
    assert s["range"] == pytest.approx(60.0, abs=0.1)
    assert s["mean"] == pytest.approx(10.0, abs=0.1)
    assert s["reps"] == 5 and s["period_s"] == pytest.approx(2.0, abs=0.05)
    assert s["cycles_per_min"] == pytest.approx(30.0, abs=1.0)
    part = summarise(x, t, t0=2.0, t1=6.0)
    assert part["reps"] == 2 and part["rep_times"] == pytest.approx([2.5, 4.5], abs=0.04)
    assert part["samples"] == pytest.approx(121, abs=1)


def test_reps_ignore_noise_and_small_bumps_and_gaps():
    rng = np.random.default_rng(4)
    t = np.arange(0, 12, 1 / 30)
    cycles = 7
    phase = 2 * np.pi * cycles * t / 12
    x = 40 - 40 * np.cos(phase) + 6 * np.sin(3 * phase) ** 2 + rng.normal(0, 1.5, t.size)
    x[100:104] = np.nan
    assert summarise(x, t)["reps"] in (cycles - 1, cycles)  # a peak at the very edge may not count
    assert summarise(x, t, min_prominence=1.0)["reps"] > cycles  # what the prominence threshold protects from
    flat = rng.normal(20, 1.0, t.size)
    assert summarise(flat, t)["reps"] == 0


def test_empty_summary():
    t = np.arange(5) / 30
    s = summarise(np.full(5, np.nan), t)
    assert s["samples"] == 0 and s["reps"] == 0 and np.isnan(s["max"])


def test_gait_cadence_from_both_knees():
    t = np.arange(0, 6, 1 / 30)
    stride = 0.72
    left = 45 - 40 * np.cos(2 * np.pi * t / stride)
    right = 45 - 40 * np.cos(2 * np.pi * (t - stride / 2) / stride)
    g = gait_cadence(left, right, t)
    assert g["stride_time_s"] == pytest.approx(stride, abs=0.04)
    assert g["cadence_spm"] == pytest.approx(120 / stride, rel=0.05)
    assert g["steps"] >= 15  # 6 s / 0.72 s per leg, two legs
    hidden = gait_cadence(left, np.full(t.size, np.nan), t)
    assert hidden["cadence_spm"] == pytest.approx(g["cadence_spm"], rel=0.05)


def test_angle_table_keeps_raw_beside_filtered():
    rng = np.random.default_rng(5)
    f = 90
    t = np.arange(f) / 30
    kp = np.zeros((f, 17, 3))
    kp[..., 2] = 0.9
    idx = {n: i for i, n in enumerate(COCO17_NAMES)}
    knee = np.radians(40 + 30 * np.sin(2 * np.pi * t))
    kp[:, idx["left_hip"], :2] = (100, 100)
    kp[:, idx["left_knee"], :2] = (100, 200)
    kp[:, idx["left_ankle"], 0] = 100 + 100 * np.sin(knee) + rng.normal(0, 2, f)
    kp[:, idx["left_ankle"], 1] = 200 + 100 * np.cos(knee)
    table = angle_table(kp, t, COCO17_NAMES, angles=["left_knee", "left_thigh"])
    assert table.names == ["left_knee", "left_thigh"]
    cols = table.columns()
    assert list(cols) == ["left_knee", "left_knee_raw", "left_knee_velocity",
                          "left_thigh", "left_thigh_raw", "left_thigh_velocity"]
    truth = np.degrees(knee)
    raw_err = np.abs(table.raw["left_knee"] - truth)[10:-10].mean()
    filt_err = np.abs(table.filtered["left_knee"] - truth)[10:-10].mean()
    assert filt_err < raw_err  # filtering removed noise, and raw stayed raw
    velocity_err = table.velocity["left_knee"][10:-10] - np.gradient(truth, t)[10:-10]
    assert np.abs(velocity_err).mean() < 0.1 * np.abs(np.gradient(truth, t)).max()
    plain = angle_table(kp, t, COCO17_NAMES, angles=["left_knee"], smoothing=False)
    np.testing.assert_array_equal(plain.filtered["left_knee"], plain.raw["left_knee"])
    assert table.summary()["left_knee"]["max"] == pytest.approx(70, abs=3)


def test_peak_cut_off_by_the_end_of_data_still_counts():
    t = np.arange(0, 2.45, 1 / 30)  # ends 60 % of the way down after the third peak
    x = 60 + 50 * np.sin(2 * np.pi * (t - 0.2) / 0.8)  # peaks at 0.4, 1.2, 2.0 s
    s = summarise(x, t)
    assert s["reps"] == 3 and s["rep_times"][-1] == pytest.approx(2.0, abs=0.04)
    barely = summarise(x[t <= 2.08], t[t <= 2.08])  # hardly any descent after the last peak: not a rep yet
    assert barely["reps"] == 2


def test_gait_ignores_a_knee_bump_echoing_the_other_legs_swing():
    t = np.arange(0, 6, 1 / 30)
    stride = 1.0
    left = 40 - 30 * np.cos(2 * np.pi * t / stride)
    right = 40 - 30 * np.cos(2 * np.pi * (t - stride / 2) / stride)
    right = right + 30 * np.exp(-((t - 3.0) / 0.05) ** 2)  # right knee echoes left's swing peak at 3.0 s
    assert np.min(np.abs(np.array(summarise(right, t)["rep_times"]) - 3.0)) < 0.05  # it does look like a rep
    g = gait_cadence(left, right, t)
    assert g["cadence_spm"] == pytest.approx(120 / stride, rel=0.05)
    assert g["steps"] == gait_cadence(left, right - 30 * np.exp(-((t - 3.0) / 0.05) ** 2), t)["steps"]


def test_knees_bending_together_are_not_steps():
    # jumping jacks or squats: both knees flex at the same moments, which no walk or run does
    t = np.arange(0, 6, 1 / 30)
    both = 30 - 25 * np.cos(2 * np.pi * t / 0.8)
    g = gait_cadence(both, both + 3 * np.sin(7 * t), t)
    assert g["gait"] is False and g["steps"] == 0 and np.isnan(g["cadence_spm"])
    walking = gait_cadence(both, 30 - 25 * np.cos(2 * np.pi * (t - 0.4) / 0.8), t)
    assert walking["gait"] is True and walking["steps"] >= 12


def test_one_step_per_leg_gives_steps_but_no_cadence():
    # a single step of each leg (a lunge, a throw, a short clip) shows no rhythm to measure
    t = np.arange(0, 1.2, 1 / 30)
    left = 10 + 90 * np.exp(-((t - 0.5) / 0.08) ** 2)
    right = 10 + 90 * np.exp(-((t - 0.8) / 0.08) ** 2)
    g = gait_cadence(left, right, t)
    assert g["steps"] == 2
    assert np.isnan(g["cadence_spm"])


def cut_after_third_peak(amplitude, drop):
    """Two full peaks of `amplitude` (1 s period), then a third whose descent the data cuts off exactly
    `drop` deg below its top (30 fps, timestamps counted back from that last sample)."""
    t_end = 2.0 + (2 * np.pi - np.arccos(2 * drop / amplitude - 1)) / (2 * np.pi)
    t = t_end - np.arange(int(t_end * 30) + 1)[::-1] / 30
    x = amplitude / 2 * (1 - np.cos(2 * np.pi * t))  # troughs at 0, 1, 2 s, peaks at 0.5, 1.5, 2.5 s
    return x, t


@pytest.mark.parametrize("amplitude, prominence, drop, reps", [
    (60, 40, 15, 3),    # turned by more than 10 deg: the cut peak counts
    (60, 40, 3, 2),     # barely past the top: not yet a sign the movement turned
    (120, 100, 15, 2),  # a large movement must turn by a quarter of the prominence (25 deg) ...
    (120, 100, 30, 3),  # ... which this one has
])
def test_peak_cut_off_counts_once_it_has_turned(amplitude, prominence, drop, reps):
    x, t = cut_after_third_peak(amplitude, drop)
    assert x[-1] == pytest.approx(amplitude - drop) and t[0] >= 0
    assert find_repetitions(x, t, min_prominence=prominence).size == reps
    # the same movement played backwards: the peak cut off by the start of the data
    assert find_repetitions(x[::-1], t, min_prominence=prominence).size == reps


def _knee_bends(t, times):
    """A knee track with one bend (a swing peak of 90 degrees) at each of the given times."""
    return 10 + sum(80 * np.exp(-((t - tp) / 0.08) ** 2) for tp in times)


def test_knee_bends_without_a_rhythm_are_not_gait():
    t = np.arange(0, 8, 1 / 30)
    steady = gait_cadence(_knee_bends(t, [1.0, 2.0, 3.0]), _knee_bends(t, [1.5, 2.5, 3.5]), t)
    assert steady["gait"] and steady["steps"] == 6 and steady["cadence_spm"] == pytest.approx(120, rel=0.05)
    # a player moving about: bends at uneven times (0.5 s, then 2 s, ...) are not a cadence
    uneven = gait_cadence(_knee_bends(t, [1.0, 3.5, 4.2]), _knee_bends(t, [1.5, 5.5, 7.0]), t)
    assert not uneven["gait"] and uneven["steps"] == 0 and np.isnan(uneven["cadence_spm"])
    # the legs do not take turns: left, left, left, then right
    no_turns = gait_cadence(_knee_bends(t, [1.0, 2.0, 3.0]), _knee_bends(t, [4.0]), t)
    assert not no_turns["gait"] and no_turns["steps"] == 0


def test_two_peaks_of_one_knee_give_steps_but_no_cadence():
    t = np.arange(0, 3, 1 / 30)
    g = gait_cadence(_knee_bends(t, [1.0, 1.8]), np.full(t.size, 10.0), t)
    assert g["steps"] == 2 and np.isnan(g["cadence_spm"])


def test_small_regular_joint_peaks_are_not_repetitions():
    # the dumbbell elbows with BlazePose full: smooth, steady peaks of about 25 degrees every 2 s
    t = np.arange(0, 18, 1 / 30)
    sway = 14 - 12.5 * np.cos(2 * np.pi * t / 2.0)
    assert summarise(sway, t)["reps_doubt"] is None  # shape, depth and rhythm alone call these repetitions
    elbow = summarise(sway, t, joint_range=usual_range("left_elbow"))
    assert elbow["reps"] >= 7 and "quarter" in elbow["reps_doubt"] and elbow["rate_doubt"]
    # a real movement of the same joint, and a lateral raise of the shoulder (4 raises of 90 degrees)
    curl = summarise(20 + 55 * (1 - np.cos(2 * np.pi * t / 2.0)), t, joint_range=usual_range("left_elbow"))
    raise_ = summarise(20 + 45 * (1 - np.cos(2 * np.pi * (t - 0.5) / 4.0)), t,
                       joint_range=usual_range("right_shoulder"))
    assert curl["reps_doubt"] is None and curl["reps"] >= 8
    assert raise_["reps_doubt"] is None and raise_["reps"] == 4 and raise_["cycles_per_min"] == pytest.approx(15, abs=1)
    # segment and custom angles have no usual range: only the noise, depth and rhythm rules apply
    assert usual_range("left_forearm") is None and usual_range("trunk_lean") is None
    assert usual_range("my_custom") is None and usual_range("right_knee") == 140
