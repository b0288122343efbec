"""An AngleTable brought up to date after some frames of its keypoints changed (a hand correction, its undo),
smoothing again only around what changed: over a 5-minute clip the whole table takes a second or more, a
correction touches a few dozen frames.

What looks at the whole track is done again over the whole track, vectorised and cheap (table_inputs: the
side fix, the unwrapped raw angles, the short-segment mask, the verdicts on spikes and edges). Comparing its
`cleaned` curves with the old ones says which samples changed. What costs (bridging gaps, the zero-lag
low-pass, the velocity) only looks a bounded way around each sample (`reach`), so it is done again over each
changed stretch plus twice that reach either side and kept over the stretch plus one reach: the cut ends of
the piece are a reach away from what is kept. The reach covers the bridging (a gap of up to max_gap_s and
three samples either side), a run too short to filter, and the low-pass until its response to one sample
has fallen below REACH_EPS of its total, so the patched curves equal the whole computation to well under a
thousandth of a degree.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .filtering import DEFAULT_MAX_BRIDGE_RATE, _sos_padlen, angular_velocity, bridge_and_filter, low_pass_design
from .sides import deciding_points
from .table import AngleTable, table_inputs, value_bounds

REACH_EPS = 1e-9
MAX_SHARE = 0.3   # beyond this share of the clip changed, the whole table costs no more


def regular_step(timestamps) -> float | None:
    """The frame interval when every interval is the same (to a millionth), else None: on irregular times
    the low-pass resamples each run from its own first sample, and a piece of a run would not match it."""
    t = np.asarray(timestamps, dtype=np.float64)
    if t.size < 2:
        return None
    dt = np.diff(t)
    step = float(np.median(dt))
    return step if step > 0 and bool(np.all(np.abs(dt - step) <= 1e-6 * step)) else None


@functools.lru_cache(maxsize=32)
def _filter_reach(order: int, wn: float) -> int:
    sos = low_pass_design(order, wn)
    n = 512
    while True:
        impulse = np.zeros(n)
        impulse[0] = 1.0
        from scipy import signal

        h = np.abs(signal.sosfilt(sos, impulse))
        tail = np.cumsum(h[::-1])[::-1] / h.sum()   # tail[i]: the share of the response from sample i on
        below = np.flatnonzero(tail < REACH_EPS)
        if below.size or n >= 1 << 20:
            return int(below[0]) if below.size else n
        n *= 2


def reach(step: float, settings: dict) -> int:
    """Samples either side of a change to a `cleaned` curve beyond which the smoothed curve does not move."""
    gap = int(np.ceil((settings["max_gap_s"] or 0.0) / step)) + 2   # the longest gap bridged, in samples
    if not settings["smoothing"]:
        return 1   # the velocity's central difference
    cutoff, order = settings["cutoff_hz"], int(settings["order"])
    wn = cutoff * 2.0 * step if cutoff else 0.0
    if not 0 < wn < 1:
        return gap + 4
    sos = low_pass_design(order, float(wn))
    return gap + 4 + _sos_padlen(sos) + _filter_reach(order, round(float(wn), 9))


def changed_stretches(before: np.ndarray, after: np.ndarray, apart: int) -> list[tuple[int, int]]:
    """[first, last] stretches where two curves differ (NaN equal to NaN), joined when closer than `apart`."""
    differ = np.flatnonzero(~((before == after) | (np.isnan(before) & np.isnan(after))))
    if differ.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(differ) > apart)
    firsts = np.concatenate([differ[:1], differ[breaks + 1]])
    lasts = np.concatenate([differ[breaks], differ[-1:]])
    return list(zip(firsts.tolist(), lasts.tolist()))


def patch_table(old: AngleTable, keypoints, keypoint_names, left_out=None, before=None,
                max_share: float = MAX_SHARE) -> tuple[AngleTable, int] | None:
    """(the table angle_table would give for `keypoints`, samples smoothed again) from `old`, made with the
    same angles and settings for this track before some of its frames changed (`before`: its keypoints then,
    when known, so a limb none of whose deciding points changed keeps its side swaps). None when it cannot be
    done piecewise (irregular timestamps, an old table without its cleaned curves) or more than `max_share`
    of the clip changed: the caller computes the whole table then."""
    t, settings = old.timestamps, old.settings
    step = regular_step(t)
    if step is None or np.shape(keypoints)[0] != t.size or (settings["smoothing"] and not old.cleaned):
        return None
    known = None
    if before is not None and np.shape(before) == np.shape(keypoints):
        same = np.all((before == keypoints) | (np.isnan(before) & np.isnan(keypoints)), axis=(0, 2))
        known = {limb: swaps for limb, swaps in old.side_swaps.items()
                 if same[deciding_points(keypoint_names, limb)].all()}
    raw, too_short, cleaned, swaps = table_inputs(keypoints, t, keypoint_names, old.angles, settings, left_out, old,
                                                  known)
    spread = reach(step, settings)
    before = old.cleaned if settings["smoothing"] else old.raw
    after = cleaned if settings["smoothing"] else raw
    stretches = {n: changed_stretches(before[n], after[n], 4 * spread) for n in old.angles}
    n = t.size
    pieces = {name: [(max(0, a - 2 * spread), min(n, b + 1 + 2 * spread), a, b) for a, b in found]
              for name, found in stretches.items()}
    done = sum(stop - start for found in pieces.values() for start, stop, _, _ in found)
    if done > max_share * n * max(len(old.angles), 1):
        return None
    filtered, velocity = dict(old.filtered), dict(old.velocity)
    for name, found in pieces.items():
        if not found:
            continue
        curve, speed = filtered[name].copy(), velocity[name].copy()
        for start, stop, a, b in found:
            ts = t[start:stop]
            piece = after[name][start:stop]
            if settings["smoothing"]:
                piece = bridge_and_filter(piece, ts, settings["cutoff_hz"], settings["order"], settings["max_gap_s"],
                                          value_bounds(old.angles[name]), DEFAULT_MAX_BRIDGE_RATE)
            keep = slice(max(0, a - spread) - start, min(n, b + 1 + spread) - start)
            curve[start:stop][keep] = piece[keep]
            speed[start:stop][keep] = angular_velocity(piece, ts)[keep]
        filtered[name], velocity[name] = curve, speed
    if not settings["smoothing"]:
        filtered = {k: (raw[k].copy() if pieces[k] else v) for k, v in filtered.items()}
    return dataclasses.replace(old, raw=raw, filtered=filtered, velocity=velocity, side_swaps=swaps,
                               too_short=too_short, cleaned=cleaned), done
