"""Movement cycles: gait strides or exercise repetitions, each normalised to 0-100 %, and per angle the mean
curve with its SD over the cycles.

Gait events (gait_events.py) follow Zeni et al. (2008). A stride runs from one contact of a foot to the next
contact of the same foot. Repetitions of an exercise run from the rest position before a repetition peak
(summary.find_repetitions) to the rest position after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

from .gait_events import SIDES, GaitEvents, gait_events, travel_direction
from .summary import find_repetitions, gait_cadence

CYCLE_PCT = np.arange(101, dtype=np.float64)   # 0..100 % in steps of 1
MIN_CYCLE_COVERAGE = 0.8  # share of a cycle's frames an angle needs to count that cycle
MIN_REST_S = 0.3         # a repetition's first / last cut needs the curve held at rest this long


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
