"""Gait events from the feet and the pelvis in a side view (Zeni et al. 2008): along the walking direction,
foot contact is where the heel (or ankle) is furthest ahead of the pelvis, toe off where the toes (or ankle)
are furthest behind it; multiplying by the direction of travel makes this work whichever way the person
walks. That furthest point is where the heel moves as fast as the pelvis, still coming down: each contact is
moved on to where the heel has nearly stopped (see _settled)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

from .filtering import butterworth, fill_gaps, finite_runs

SIDES = ("left", "right")
MIN_STRIDE_S = 0.4       # a stride (same foot) takes longer than this even in sprinting
EVENT_CUTOFF_HZ = 6.0    # foot positions are low-passed before the peaks are taken, as the angles are
SETTLED_SHARE = 0.8      # contact: the heel falls behind the pelvis at 80 % of its stance pace (see _settled)


@dataclass
class GaitEvents:
    """Foot contacts and toe offs of one foot, in seconds (sub-frame: parabola through the peak samples)."""

    side: str
    contacts: np.ndarray
    toe_offs: np.ndarray
    direction: int  # +1 travelling towards the image's right, -1 towards its left


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
