"""Summary numbers for one angle track: extremes, range of motion, repetitions, gait cadence."""

from __future__ import annotations

import numpy as np

SUMMARY_KEYS = ("samples", "min", "max", "range", "mean", "std", "t_min", "t_max",
                "reps", "period_s", "cycles_per_min")

# When repetitions are credible (measured on the clips in shared/data: dumbbell lateral raises give shoulder
# peaks of 82-95 degrees, even in depth and time; the elbows of the same raises give 7-8 "peaks" of 15-45
# degrees alternating deep and shallow, two per raise):
MIN_REP_DEG = 15.0          # a repetition moves the joint at least this much...
MIN_REP_NOISE = 8.0         # ...and this many times the curve's frame-to-frame noise
MIN_DEPTH_RATIO = 0.5       # every peak at least half as prominent as the most prominent one
MAX_RHYTHM_CV = 0.35        # time between peaks varies by at most this share of its mean
MIN_REPS_FOR_RATE = 3       # a rate from fewer peaks rests on a single interval
# A repetition also moves a joint through a fair share of its normal range of motion (clinical goniometry,
# in this app's conventions: flexion or elevation from 0). With BlazePose full the dumbbell elbows rise
# 20-31 degrees, smoothly and twice per raise: the lifter keeps one slight bend, and the picture shows it
# larger or smaller as the arm turns (hands in front of the thighs, arm out to the side); no peak-shape or
# rhythm rule can tell that from a repetition, the size of the movement can. (The walking woman's hips give
# two 20-33 degree peaks a stride, flexion and the extension this unsigned angle folds up: '-' too; her knee
# swings, 60-70 degrees, still count.)
JOINT_RANGE_DEG = {"elbow": 150.0, "knee": 140.0, "hip": 120.0, "shoulder": 180.0, "ankle": 70.0}
MIN_RANGE_SHARE = 0.25      # repetition_doubt's sentence says "a quarter"
MIN_STEPS = 3               # fewer knee peaks cannot show a walking rhythm


def _window(values, timestamps, t0, t1) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    if x.shape != t.shape:
        raise ValueError("values and timestamps must have the same length")
    keep = np.ones(t.size, dtype=bool)
    if t0 is not None:
        keep &= t >= t0 - 1e-9
    if t1 is not None:
        keep &= t <= t1 + 1e-9
    return x[keep], t[keep]


def find_repetitions(values, timestamps, min_prominence: float | None = None, peaks: str = "max",
                     min_period_s: float = 0.25) -> np.ndarray:
    """Indices of the repetition peaks (maxima, or minima with peaks="min").

    A peak counts when it stands out by `min_prominence` (default: the larger of 10 and 40 % of the track's
    5-95 % range, so noise and small secondary bumps such as the stance-phase knee flexion are ignored) and
    lies at least `min_period_s` after the previous one. Where the data ends mid-movement (the person leaves
    the picture), a peak whose descent is cut off counts if its other side drops by `min_prominence` and the
    cut side by a quarter of it, at least 10 degrees (the movement has turned). Interior NaN stretches are bridged for the search; peaks on them are dropped.
    """
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return np.zeros(0, dtype=int)
    filled = x.copy()
    filled[~ok] = np.interp(t[~ok], t[ok], x[ok], left=np.nan, right=np.nan)
    first, last = np.flatnonzero(ok)[[0, -1]]
    y = filled[first:last + 1] * (-1.0 if peaks == "min" else 1.0)
    if min_prominence is None:
        lo, hi = np.percentile(x[ok], [5, 95])
        min_prominence = max(10.0, 0.4 * (hi - lo))
    step = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    distance = max(1, int(round(min_period_s / step))) if step > 0 else 1
    from scipy import signal  # lazily: keeps the window's start-up fast

    idx, props = signal.find_peaks(y, prominence=0, distance=distance)
    left_drop = y[idx] - y[props["left_bases"]]
    right_drop = y[idx] - y[props["right_bases"]]
    # a movement cut off by the end of the data (the person leaves the picture) cannot show its full
    # descent on that side: let the other side carry it, if the cut side shows it has turned
    left_cut = props["left_bases"] == 0
    right_cut = props["right_bases"] == y.size - 1
    turned = max(min_prominence / 4, min(10.0, min_prominence))
    both = np.minimum(left_drop, right_drop)
    keep = both >= min_prominence
    keep |= right_cut & (left_drop >= min_prominence) & (right_drop >= turned)
    keep |= left_cut & (right_drop >= min_prominence) & (left_drop >= turned)
    idx = idx[keep] + first
    return idx[ok[idx]]


def noise_level(values) -> float:
    """Frame-to-frame noise of a curve (degrees): the robust spread of its second differences, scaled to one
    sample's noise (white noise of std s gives second differences of std s*sqrt(6)). NaN with too few values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 5:
        return float("nan")
    d2 = np.diff(x, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6))


def usual_range(name: str) -> float | None:
    """The normal range of motion (degrees) of a built-in joint angle such as "left_elbow"; None for
    segment angles and custom angles, which have no such range."""
    for side in ("left_", "right_"):
        if name.startswith(side):
            return JOINT_RANGE_DEG.get(name[len(side):])
    return None


def repetition_doubt(values, timestamps, reps: np.ndarray, noise: float,
                     joint_range: float | None = None) -> str | None:
    """Why the repetition peaks `reps` (indices into values) should not be taken as repetitions, as a sentence
    for the user, or None when they are credible: each moves the joint enough against the noise and (for a
    joint with a `joint_range`, see usual_range) through MIN_RANGE_SHARE of its normal range, the peaks are
    alike in depth, and (three or more) they come at a steady pace."""
    if reps.size == 0:
        return None
    x = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(x)
    t = np.asarray(timestamps, dtype=np.float64)
    filled = np.interp(t, t[ok], x[ok])
    from scipy import signal  # lazily: keeps the window's start-up fast

    prom = signal.peak_prominences(filled, reps)[0]
    depth = float(np.median(prom))
    need = max(MIN_REP_DEG, MIN_REP_NOISE * noise) if np.isfinite(noise) else MIN_REP_DEG
    if joint_range and depth < MIN_RANGE_SHARE * joint_range and MIN_RANGE_SHARE * joint_range >= need:
        return (f"The peaks rise only {depth:.0f}°, less than a quarter of the joint's usual "
                f"{joint_range:.0f}° range: a sway or a change of viewing angle, not a repetition.")
    if depth < need:
        return (f"The peaks rise only {depth:.0f}° (the curve's noise is {noise:.1f}°); a repetition needs "
                f"{need:.0f}°.")
    if reps.size >= 2 and prom.min() < MIN_DEPTH_RATIO * prom.max():
        return (f"The peaks differ in depth ({prom.min():.0f}° to {prom.max():.0f}°): the curve wobbles "
                "rather than repeats.")
    if reps.size >= 3:
        gaps = np.diff(t[reps])
        cv = float(np.std(gaps) / np.mean(gaps))
        if cv > MAX_RHYTHM_CV:
            return f"The time between peaks varies by {cv:.0%}: no steady rhythm."
    return None


def summarise(values, timestamps, t0: float | None = None, t1: float | None = None,
              min_prominence: float | None = None, peaks: str = "max", raw=None,
              joint_range: float | None = None) -> dict:
    """Numbers for one angle over the clip or the time range [t0, t1] (seconds).

    Keys: samples (valid ones), min, max, range (of motion), mean, std, t_min, t_max (seconds of the first
    min / max), reps (repetition peaks, see find_repetitions), rep_times (list, seconds), period_s (median
    time between peaks) and cycles_per_min. Values are NaN (reps 0) when there is no data.
    reps_doubt: a sentence why the peaks are not credible repetitions (repetition_doubt), else None;
    rate_doubt: why no rate should be shown (the reps' doubt, or too few peaks), else None.
    raw: the unfiltered curve, for the noise estimate (default: values).
    joint_range: the joint's normal range of motion (usual_range(name)), None for other angles.
    """
    x, t = _window(values, timestamps, t0, t1)
    ok = np.isfinite(x)
    out: dict = {k: float("nan") for k in SUMMARY_KEYS}
    out.update(samples=int(ok.sum()), reps=0, rep_times=[], reps_doubt=None,
               rate_doubt="No repetitions found.")
    if not ok.any():
        return out
    i_min, i_max = int(np.nanargmin(x)), int(np.nanargmax(x))
    out.update(min=float(x[i_min]), max=float(x[i_max]), range=float(x[i_max] - x[i_min]),
               mean=float(np.nanmean(x)), std=float(np.nanstd(x)), t_min=float(t[i_min]), t_max=float(t[i_max]))
    reps = find_repetitions(x, t, min_prominence, peaks)
    out["reps"] = int(reps.size)
    out["rep_times"] = [float(v) for v in t[reps]]
    if reps.size >= 2:
        period = float(np.median(np.diff(t[reps])))
        out.update(period_s=period, cycles_per_min=60.0 / period)
    noise = noise_level(_window(raw, timestamps, t0, t1)[0] if raw is not None else x)
    out["reps_doubt"] = repetition_doubt(x, t, reps, noise, joint_range) if ok.sum() >= 3 else None
    out["rate_doubt"] = out["reps_doubt"] or (
        None if reps.size >= MIN_REPS_FOR_RATE else
        f"At least {MIN_REPS_FOR_RATE} repetitions are needed for a rate ({reps.size} found).")
    return out


def gait_cadence(left_knee, right_knee, timestamps, t0: float | None = None, t1: float | None = None,
                 min_prominence: float | None = None) -> dict:
    """Steps and cadence from the knee flexion tracks of a walk or run.

    Each swing-phase knee flexion peak is one step of that leg. Only one leg swings at a time, so a peak of
    one knee within 0.2 s of a higher peak of the other knee is the model mixing the legs up, and is dropped.
    The stride time is the median time between one knee's peaks; cadence (steps per minute) =
    2 * 60 / stride time, averaged over the knees with at least two peaks (a far leg hidden in a side view
    then does not halve the result).
    Returns steps (peaks over both knees), stride_time_s, cadence_spm (NaN when it cannot be told), doubt (why
    no gait is reported, when knee peaks were found but do not make one; fewer than MIN_STEPS do not) and gait
    (False, with no steps, when both knees bend together, or when three or more knee peaks keep no rhythm:
    the legs do not take turns, or the time between steps varies by more than a third; that movement is
    not walking or running, and counting its knee bends as steps would mislead).
    """
    found = []
    for track in (left_knee, right_knee):
        if track is None:
            found.append((np.zeros(0), np.zeros(0)))
            continue
        x, t = _window(track, timestamps, t0, t1)
        idx = find_repetitions(x, t, min_prominence, "max")
        found.append((t[idx], x[idx]))
    if _knees_together(found[0][0], found[1][0]):
        return {"steps": 0, "stride_time_s": float("nan"), "cadence_spm": float("nan"), "gait": False,
                "doubt": "Both knees bend together (a jump, squat or jumping jack), so their bends are not steps."}
    kept = []
    for k, (times, heights) in enumerate(found):
        o_times, o_heights = found[1 - k]
        keep = [not np.any((np.abs(o_times - tk) < 0.2) & (o_heights > hk)) for tk, hk in zip(times, heights)]
        kept.append(times[np.array(keep, dtype=bool)] if len(times) else times)
    steps = int(sum(k.size for k in kept))
    if steps >= 3 and not _rhythmic(kept):
        return {"steps": 0, "stride_time_s": float("nan"), "cadence_spm": float("nan"), "gait": False,
                "doubt": "The knee bends keep no walking rhythm (the legs do not take turns at a steady pace)."}
    if steps < MIN_STEPS:  # a throw or a lunge bends a knee that often: not a walk to report
        return {"steps": steps, "stride_time_s": float("nan"), "cadence_spm": float("nan"), "gait": False,
                "doubt": f"{steps} knee peak{'s' if steps != 1 else ''} found; at least {MIN_STEPS} steps are "
                         "needed to tell a walk or run." if steps else None}
    # Fewer than three steps are too few to tell a rhythm (a throw or a lunge has that many): no cadence then.
    strides = [float(np.median(np.diff(k))) for k in kept if k.size >= 2] if steps >= 3 else []
    stride = float(np.mean(strides)) if strides else float("nan")
    return {"steps": steps, "stride_time_s": stride,
            "cadence_spm": 120.0 / stride if strides else float("nan"), "gait": True}


def _rhythmic(kept: list[np.ndarray], min_turns: float = 0.75, max_cv: float = 0.35) -> bool:
    """Whether knee peaks look like gait: the legs take turns (when both are seen) and the steps come at a
    steady pace (coefficient of variation of the time between them at most max_cv)."""
    events = sorted((float(tp), k) for k, times in enumerate(kept) for tp in times)
    both = all(len(k) for k in kept)
    if both and np.mean([a[1] != b[1] for a, b in zip(events, events[1:])]) < min_turns:
        return False
    # steps between consecutive peaks of either knee; one leg only: its strides
    times = np.array([e[0] for e in events])
    intervals = np.diff(times)
    if intervals.size < 2:
        return True
    return float(np.std(intervals) / np.mean(intervals)) <= max_cv


def _knees_together(left_times: np.ndarray, right_times: np.ndarray, within_s: float = 0.2) -> bool:
    """Whether both knees bend at the same moments (jumping jacks, squats, jumps): walking and running
    alternate the legs, so when most peaks of one knee meet a peak of the other, the peaks are not steps."""
    if left_times.size < 2 or right_times.size < 2:
        return False
    fewer, other = (left_times, right_times) if left_times.size <= right_times.size else (right_times, left_times)
    together = [bool(np.any(np.abs(other - t) < within_s)) for t in fewer]
    return float(np.mean(together)) > 0.5


def coverage(values) -> float:
    """Fraction of frames with a value (how much of the clip the angle could be measured on)."""
    x = np.asarray(values, dtype=np.float64)
    return float(np.isfinite(x).mean()) if x.size else 0.0


__all__ = ["summarise", "find_repetitions", "gait_cadence", "coverage", "usual_range", "SUMMARY_KEYS"]
