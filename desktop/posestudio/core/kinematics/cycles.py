"""Movement cycles: gait strides or exercise repetitions, each normalised to 0-100 %, and per angle the mean
curve with its SD over the cycles.

Gait events follow Zeni et al. (2008), which needs only the feet and the pelvis in a side view: along the
walking direction, foot contact is where the heel (or ankle) is furthest ahead of the pelvis, toe off where
the toes (or ankle) are furthest behind it. Multiplying by the direction of travel makes this work whichever
way the person walks. That furthest point is where the heel moves as fast as the pelvis, still coming down:
each contact is moved on to where the heel has nearly stopped (see _settled). A stride runs from one contact of a foot to the next contact of the same foot.
Repetitions of an exercise run from the rest position before a repetition peak (summary.find_repetitions)
to the rest position after it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

from .filtering import butterworth, fill_gaps, finite_runs
from .summary import find_repetitions, gait_cadence

CYCLE_PCT = np.arange(101, dtype=np.float64)   # 0..100 % in steps of 1
SIDES = ("left", "right")
MIN_STRIDE_S = 0.4       # a stride (same foot) takes longer than this even in sprinting
EVENT_CUTOFF_HZ = 6.0    # foot positions are low-passed before the peaks are taken, as the angles are
MIN_CYCLE_COVERAGE = 0.8  # share of a cycle's frames an angle needs to count that cycle
MIN_REST_S = 0.3         # a repetition's first / last cut needs the curve held at rest this long
SETTLED_SHARE = 0.8      # contact: the heel falls behind the pelvis at 80 % of its stance pace (see _settled)


@dataclass
class GaitEvents:
    """Foot contacts and toe offs of one foot, in seconds (sub-frame: parabola through the peak samples)."""

    side: str
    contacts: np.ndarray
    toe_offs: np.ndarray
    direction: int  # +1 travelling towards the image's right, -1 towards its left


@dataclass
class SideCycles:
    """The cycles of one side: (start, end) times in seconds, and for strides the toe off in % of each."""

    side: str
    kind: str                       # "stride" or "repetition"
    bounds: list[tuple[float, float]]
    toe_off_pct: list[float] = field(default_factory=list)
    driver: str | None = None       # repetitions: the angle whose peaks define them

    @property
    def count(self) -> int:
        return len(self.bounds)

    @property
    def mean_duration(self) -> float:
        return float(np.mean([b - a for a, b in self.bounds])) if self.bounds else float("nan")


@dataclass
class CycleCurve:
    """One angle over its side's cycles: curves (cycles, 101) NaN where a cycle lacked data, and per
    percent the mean, the sample SD (ddof 1; NaN below two cycles) and the number of cycles with a value."""

    angle: str
    side: str
    curves: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n: np.ndarray


@dataclass
class CycleReport:
    kind: str                             # "gait" or "repetitions"
    sides: dict[str, SideCycles]
    curves: dict[str, CycleCurve]
    events: dict[str, GaitEvents] = field(default_factory=dict)


def _point(keypoints: np.ndarray, names, name: str, min_score: float) -> np.ndarray | None:
    if name not in names:
        return None
    p = np.asarray(keypoints[:, list(names).index(name)], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(p).all(axis=1) & (p[:, 2] >= min_score)
    return np.where(ok, p[:, 0], np.nan)


def _clean(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return butterworth(fill_gaps(x, t, max_gap_s=0.15, method="linear"), t, EVENT_CUTOFF_HZ)


def _pelvis_x(keypoints, names, min_score) -> np.ndarray:
    hips = [_point(keypoints, names, f"{s}_hip", min_score) for s in SIDES]
    hips = [h for h in hips if h is not None]
    if not hips:
        return np.full(keypoints.shape[0], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with neither hip stay NaN
        return np.nanmean(np.stack(hips), axis=0)


def travel_direction(pelvis_x: np.ndarray, timestamps: np.ndarray, facing: np.ndarray | None = None) -> int:
    """+1 when the pelvis moves towards the image's right over the clip, -1 towards its left.

    On a treadmill the pelvis stays put; `facing` (+1/-1 per frame, angles.facing_direction) decides then.
    """
    ok = np.isfinite(pelvis_x)
    slope = float(np.polyfit(timestamps[ok], pelvis_x[ok], 1)[0]) if ok.sum() >= 2 else 0.0
    if ok.sum() >= 2:
        spread = np.nanpercentile(pelvis_x, 95) - np.nanpercentile(pelvis_x, 5)
        # travelling: the steady drift makes up most of the pelvis' spread (not the sway of a treadmill)
        if spread > 0 and abs(slope) * (timestamps[ok][-1] - timestamps[ok][0]) > 0.5 * spread:
            return 1 if slope > 0 else -1
    if facing is not None and np.any(facing):
        return 1 if np.sum(facing) >= 0 else -1
    return 1 if slope >= 0 else -1


def _peak_times(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Times of the clear maxima of y, per finite run; a peak must stand out by 30 % of the 5-95 % range."""
    from scipy import signal  # lazily: keeps imports of the package light

    ok = np.isfinite(y)
    if ok.sum() < 5:
        return np.zeros(0)
    lo, hi = np.percentile(y[ok], [5, 95])
    step = float(np.median(np.diff(t)))
    out = []
    for a, b in finite_runs(y):
        seg = y[a:b]
        if seg.size < 3:
            continue
        idx, _ = signal.find_peaks(seg, prominence=0.3 * (hi - lo), distance=max(1, int(MIN_STRIDE_S / step)))
        for i in idx:
            # parabola through the peak and its neighbours: the event between frames
            y0, y1, y2 = seg[i - 1], seg[i], seg[i + 1]
            den = y0 - 2 * y1 + y2
            frac = 0.5 * (y0 - y2) / den if den < 0 else 0.0
            k = a + i
            out.append(t[k] + frac * (t[k + 1] - t[k - 1]) / 2)
    return np.asarray(out)


def _settled(ahead: np.ndarray, t: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Each of Zeni's contacts moved on to where the heel has come to rest.

    At Zeni's maximum the heel still moves over the ground as fast as the pelvis; once the foot is down it
    falls behind the pelvis at the pelvis' pace (overground) or the belt's (treadmill): the stance slope,
    the median of the falling slopes. Contact is where the slope reaches SETTLED_SHARE of it. On the walking
    clip, looked at frame by frame, that is where the heel is down; Zeni's maximum was 1-2 frames earlier,
    which put every later event of the stride several % too late.
    """
    v = np.gradient(ahead, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no falling slope at all: nothing to move
        stance = float(np.nanmedian(v[v < 0])) if np.any(v < 0) else float("nan")
    if not np.isfinite(stance) or peaks.size == 0:
        return peaks
    goal = SETTLED_SHARE * stance
    out = []
    for p in peaks:
        k = int(np.searchsorted(t, p))
        stop = min(t.size, k + max(2, int(0.15 / np.median(np.diff(t)))))  # within 0.15 s, else keep Zeni's
        after = np.flatnonzero(v[k:stop] <= goal)
        if after.size == 0 or k + after[0] == 0 or not np.isfinite(v[k + after[0] - 1]):
            out.append(p)
            continue
        j = k + after[0]
        frac = (goal - v[j - 1]) / (v[j] - v[j - 1]) if v[j] != v[j - 1] else 1.0
        out.append(max(p, t[j - 1] + frac * (t[j] - t[j - 1])))
    return np.asarray(out)


def gait_events(keypoints: np.ndarray, timestamps, keypoint_names, min_score: float = DEFAULT_MIN_SCORE,
                direction: int | None = None, fix_sides: bool = True) -> dict[str, GaitEvents]:
    """Foot contacts and toe offs per side of one person (keypoints (F, K, 3)), by Zeni et al. (2008).

    fix_sides: first undo the model's left/right leg swaps, as angle_table does, so events and angle
    curves name the same leg.
    """
    from .angles import facing_direction
    from .sides import fix_side_swaps

    t = np.asarray(timestamps, dtype=np.float64)
    kp = np.asarray(keypoints)
    names = tuple(keypoint_names)
    if fix_sides and kp.shape[0] > 1:
        kp, _ = fix_side_swaps(kp, names, min_score)
    pelvis = _clean(_pelvis_x(kp, names, min_score), t)
    if direction is None:
        direction = travel_direction(pelvis, t, facing_direction(kp, names, min_score))
    out = {}
    for s in SIDES:
        heel = _point(kp, names, f"{s}_heel", min_score)
        toe = _point(kp, names, f"{s}_foot_index", min_score)
        ankle = _point(kp, names, f"{s}_ankle", min_score)
        heel = heel if heel is not None else ankle
        toe = toe if toe is not None else ankle
        if heel is None or toe is None:
            out[s] = GaitEvents(s, np.zeros(0), np.zeros(0), direction)
            continue
        ahead = direction * (_clean(heel, t) - pelvis)
        behind = -direction * (_clean(toe, t) - pelvis)
        out[s] = GaitEvents(s, _settled(ahead, t, _peak_times(ahead, t)), _peak_times(behind, t), direction)
    return out


def strides(events: GaitEvents) -> SideCycles:
    """Contact to the next contact of the same foot; a stride longer than 1.6 times the median (a missed
    contact, the foot hidden) is dropped."""
    c = np.sort(events.contacts)
    bounds = list(zip(c[:-1].tolist(), c[1:].tolist()))
    if len(bounds) >= 2:
        med = np.median([b - a for a, b in bounds])
        bounds = [(a, b) for a, b in bounds if b - a <= 1.6 * med]
    toe = []
    for a, b in bounds:
        inside = events.toe_offs[(events.toe_offs > a) & (events.toe_offs < b)]
        toe.append(float(100 * (inside[0] - a) / (b - a)) if inside.size else float("nan"))
    return SideCycles(events.side, "stride", bounds, toe)


def repetitions(values, timestamps, driver: str, side: str) -> SideCycles:
    """Rest to rest around each repetition peak of `values`.

    Between two peaks the cut is the middle of the rest: of the samples within 10 % of the peak height above
    the lowest point between them (the user may pause there, and a plateau has no single lowest sample).
    Before the first / after the last peak the cut lies as far from the peak as the cut on its other side, or
    at the nearest sample of a rest held MIN_REST_S when the clip starts or ends sooner than that; without one
    that repetition is left out (the clip starts or ends mid-movement).
    """
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    peaks = find_repetitions(x, t)
    if peaks.size < 2:  # one peak gives no rest-to-rest distance to mirror
        return SideCycles(side, "repetition", [], driver=driver)
    cuts: list[int | None] = []
    rest_levels = []
    for p, q in zip(peaks[:-1], peaks[1:]):
        seg = x[p:q + 1]
        low = float(np.nanmin(seg))
        level = low + 0.1 * (min(x[p], x[q]) - low)
        at_rest = np.flatnonzero(seg <= level)
        cuts.append(p + int(round((at_rest[0] + at_rest[-1]) / 2)))
        rest_levels.append(level)
    level = float(np.max(rest_levels))

    def mirrored(peak: int, other_cut: int, lo: int, hi: int) -> int | None:
        # the at-rest sample of [lo, hi) nearest the mirror image: a clip may start or end sooner after a rest
        # than the rest between repetitions lasts, and the repetition still ran from rest
        c = 2 * peak - other_cut
        if 0 <= c < x.size and np.isfinite(x[c]) and x[c] <= level:
            return c
        with np.errstate(invalid="ignore"):
            at_rest = lo + np.flatnonzero(x[lo:hi] <= level)
        if not at_rest.size:
            return None
        k = int(np.argmin(np.abs(at_rest - c)))
        # only a held rest counts, not the instant a movement already under way passes the rest level
        a = b = k
        while a > 0 and at_rest[a - 1] == at_rest[a] - 1:
            a -= 1
        while b < at_rest.size - 1 and at_rest[b + 1] == at_rest[b] + 1:
            b += 1
        return int(at_rest[k]) if t[at_rest[b]] - t[at_rest[a]] >= MIN_REST_S else None

    cuts = ([mirrored(peaks[0], cuts[0], 0, int(peaks[0])), *cuts,
             mirrored(peaks[-1], cuts[-1], int(peaks[-1]) + 1, x.size)])
    bounds = [(float(t[a]), float(t[b])) for a, b in zip(cuts[:-1], cuts[1:]) if a is not None and b is not None]
    return SideCycles(side, "repetition", bounds, driver=driver)


def normalise(values, timestamps, start: float, end: float, min_coverage: float = MIN_CYCLE_COVERAGE) -> np.ndarray:
    """The curve between `start` and `end` (seconds) at 0..100 % (101 points), linearly interpolated;
    all NaN when fewer than `min_coverage` of its frames have a value, NaN beyond its first/last value."""
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    inside = (t >= start - 1e-9) & (t <= end + 1e-9)
    # the frames either side of the (sub-frame) bounds take part in the interpolation
    idx = np.flatnonzero(inside)
    out = np.full(CYCLE_PCT.size, np.nan)
    if idx.size == 0:
        return out
    lo, hi = max(0, idx[0] - 1), min(t.size, idx[-1] + 2)
    tt, xx = t[lo:hi], x[lo:hi]
    ok = np.isfinite(xx)
    if np.isfinite(x[inside]).mean() < min_coverage or ok.sum() < 2:
        return out
    grid = start + CYCLE_PCT / 100.0 * (end - start)
    out = np.interp(grid, tt[ok], xx[ok], left=np.nan, right=np.nan)
    return out


def curve_stats(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per percent: mean, sample SD (NaN with fewer than two values) and count over the cycles."""
    c = np.asarray(curves, dtype=np.float64).reshape(-1, CYCLE_PCT.size)
    n = np.isfinite(c).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(c, axis=0)
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        dev = np.nansum((c - mean) ** 2, axis=0)
        sd = np.where(n > 1, np.sqrt(dev / np.maximum(n - 1, 1)), np.nan)
    return mean, sd, n


def _angle_side(name: str) -> str | None:
    for s in SIDES:
        if name.startswith(s + "_"):
            return s
    return None


def is_gait(angles: dict[str, np.ndarray], timestamps, start: float | None = None, end: float | None = None) -> bool:
    """Walking or running: the knees bend in turn at a steady pace (summary.gait_cadence), two steps or more,
    within [start, end] seconds."""
    if "left_knee" not in angles and "right_knee" not in angles:
        return False
    g = gait_cadence(angles.get("left_knee"), angles.get("right_knee"), timestamps, start, end)
    return bool(g["gait"]) and g["steps"] >= 2


JOINTS = ("knee", "hip", "elbow", "shoulder", "ankle")


def _drivers(angles: dict[str, np.ndarray]) -> dict[str, str]:
    """Per side, the joint angle of that side that moves most (5-95 % range): its peaks are the repetitions.
    Joint angles (flexion, elevation) come first: a segment's slope peaks at another moment of the movement
    (a forearm is steepest at rest in a lateral raise), which would cut repetitions mid-way."""
    out = {}
    for s in SIDES:
        best, best_key = None, (False, 0.0)
        for name, v in angles.items():
            if _angle_side(name) != s or not np.isfinite(v).any():
                continue
            key = (name.split("_", 1)[1] in JOINTS, float(np.subtract(*np.nanpercentile(v, [95, 5]))))
            if key > best_key:
                best, best_key = name, key
        if best is not None:
            out[s] = best
    return out


def person_cycles(keypoints: np.ndarray, timestamps, keypoint_names, angles: dict[str, np.ndarray],
                  kind: str = "auto", start: float | None = None, end: float | None = None,
                  min_score: float = DEFAULT_MIN_SCORE,
                  driver_angles: dict[str, np.ndarray] | None = None) -> CycleReport:
    """Cycles of one person and the mean +- SD curve of each angle over them.

    keypoints (F, K, 3); angles: name -> (F,) degrees (e.g. AngleTable.filtered). kind "gait" (strides from
    foot contact to foot contact), "repetitions", or "auto" (gait when the knees bend in turn, see is_gait).
    start/end (seconds): only cycles lying wholly inside. Left angles use the left cycles, right angles the
    right ones, angles of neither side (trunk) the left cycles, else the right.
    driver_angles: where repetitions are looked for (default: `angles`).
    """
    t = np.asarray(timestamps, dtype=np.float64)
    if kind not in ("auto", "gait", "repetitions"):
        raise ValueError(f"kind must be auto, gait or repetitions, not {kind!r}")
    if kind == "auto":
        kind = "gait" if is_gait(driver_angles or angles, t, start, end) else "repetitions"
    events: dict[str, GaitEvents] = {}
    if kind == "gait":
        events = gait_events(keypoints, t, keypoint_names, min_score)
        sides = {s: strides(e) for s, e in events.items()}
    else:
        drivers = _drivers(driver_angles or angles)
        source = driver_angles or angles
        sides = {s: repetitions(source[name], t, name, s) for s, name in drivers.items()}
    lo = -np.inf if start is None else start - 1e-9
    hi = np.inf if end is None else end + 1e-9
    for sc in sides.values():
        keep = [i for i, (a, b) in enumerate(sc.bounds) if a >= lo and b <= hi]
        sc.bounds = [sc.bounds[i] for i in keep]
        sc.toe_off_pct = [sc.toe_off_pct[i] for i in keep] if sc.toe_off_pct else []
    curves = {}
    for name, v in angles.items():
        side = _angle_side(name) or next((s for s in SIDES if s in sides and sides[s].count), None)
        if side is None or side not in sides:
            continue
        rows = [normalise(v, t, a, b) for a, b in sides[side].bounds]
        c = np.array(rows) if rows else np.zeros((0, CYCLE_PCT.size))
        mean, sd, n = curve_stats(c)
        curves[name] = CycleCurve(name, side, c, mean, sd, n)
    return CycleReport(kind, sides, curves, events)


CYCLE_COLUMNS = ("clip", "person", "angle", "cycle_pct", "mean", "sd", "n")


def cycle_rows(report: CycleReport, clip: str, person) -> list[list]:
    """Rows for the cycle table (CYCLE_COLUMNS): per angle, 101 rows for 0..100 %; angles without any
    cycle are left out."""
    rows = []
    for name, cc in report.curves.items():
        if not cc.n.any():
            continue
        for k, pct in enumerate(CYCLE_PCT):
            rows.append([clip, person, name, int(pct), float(cc.mean[k]), float(cc.sd[k]), int(cc.n[k])])
    return rows


__all__ = ["CYCLE_COLUMNS", "CYCLE_PCT", "CycleCurve", "CycleReport", "GaitEvents", "SideCycles", "curve_stats",
           "cycle_rows", "gait_events", "is_gait", "normalise", "person_cycles", "repetitions", "strides",
           "travel_direction"]
