"""Putting two clips on one clock: from a marked moment in each, from the cross-correlation of their angle
curves (a fixed offset), or by dynamic time warping (when the two move at different speeds).

Every method gives `offset_s` = B's time minus A's time of the same moment, and a similarity with one
meaning throughout: the Pearson correlation (-1..1) of the two clips' angle curves once aligned, pooled over
the angles used (each angle weighted by the samples it has in the overlap). 1 = the curves move in
perfect step; 0 = unrelated.

DTW is a small numpy implementation (vectorised along anti-diagonals, Sakoe-Chiba band): dtw-python is
GPL-3 (this project is MIT), and dtaidistance or tslearn would add compiled dependencies for some forty lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posestudio.core.errors import PoseStudioError

MIN_OVERLAP_S = 1.0        # shortest common stretch an automatic offset may rest on
MIN_OVERLAP_SHARE = 0.3    # ... and at least this share of the shorter clip
MIN_MOVEMENT_DEG = 10.0    # angles moving less than this (5-95 % range) in either clip only add noise
MAX_DTW_SAMPLES = 2000     # longer overlaps are resampled coarser: DTW costs samples squared in memory


class SyncError(PoseStudioError):
    """The clips cannot be aligned (no common angle, no overlap)."""


@dataclass
class SyncResult:
    offset_s: float            # B's time minus A's time of the same moment (median along a DTW path)
    similarity: float          # Pearson r of the aligned curves, -1..1
    method: str                # "events", "correlation" or "dtw"
    angles: tuple[str, ...]    # the angles compared
    path_a: np.ndarray | None = None  # DTW: times in A ...
    path_b: np.ndarray | None = None  # ... and the matching times in B (both non-decreasing)

    SIMILARITY_MEANING = "correlation of the aligned angle curves, -1..1 (1 = in perfect step)"

    def b_time(self, t_a) -> np.ndarray:
        """B's time of the moment at A's time `t_a`."""
        t_a = np.asarray(t_a, dtype=np.float64)
        if self.path_a is None:
            return t_a + self.offset_s
        a, b = _strictly_increasing(self.path_a, self.path_b)
        return np.interp(t_a, a, b, left=np.nan, right=np.nan)

    def a_time(self, t_b) -> np.ndarray:
        """A's time of the moment at B's time `t_b` (the warp path B -> A)."""
        t_b = np.asarray(t_b, dtype=np.float64)
        if self.path_a is None:
            return t_b - self.offset_s
        b, a = _strictly_increasing(self.path_b, self.path_a)
        return np.interp(t_b, b, a, left=np.nan, right=np.nan)


def _strictly_increasing(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A path may hold one x with several y (a pause in one clip): average them so x can be interpolated."""
    ux, inverse = np.unique(x, return_inverse=True)
    return ux, np.bincount(inverse, weights=y) / np.bincount(inverse)


def offset_from_events(a_time_s: float, b_time_s: float) -> float:
    """The offset when the user marks the same moment in A (at a_time_s) and in B (at b_time_s)."""
    return float(b_time_s) - float(a_time_s)


def shared_angles(a: dict[str, np.ndarray], b: dict[str, np.ndarray], names=None) -> list[str]:
    """Angles both clips have that move (MIN_MOVEMENT_DEG) in both; `names` limits the choice. Falls back
    to every angle with data in both when none moves that much."""
    common = [n for n in (names or a) if n in a and n in b
              and np.isfinite(a[n]).sum() >= 3 and np.isfinite(b[n]).sum() >= 3]
    if names:
        return common

    def moves(x):
        return float(np.subtract(*np.nanpercentile(x, [95, 5]))) >= MIN_MOVEMENT_DEG

    moving = [n for n in common if moves(a[n]) and moves(b[n])]
    return moving or common


def _resample(values: np.ndarray, t: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """values at the grid times, linear between two valid samples; NaN next to a missing one."""
    ok = np.isfinite(values)
    if not ok.any():
        return np.full(np.shape(grid), np.nan)
    filled = np.interp(t, t[ok], values[ok])
    out = np.interp(grid, t, filled)
    # a grid point counts only when both samples around it were measured
    near_ok = np.interp(grid, t, ok.astype(np.float64))
    out[near_ok < 1.0 - 1e-9] = np.nan
    out[(grid < t[0] - 1e-9) | (grid > t[-1] + 1e-9)] = np.nan
    return out


def _grid(t: np.ndarray, step: float) -> np.ndarray:
    return t[0] + np.arange(int(np.floor((t[-1] - t[0]) / step + 1e-9)) + 1) * step


def _lagged_pearson(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every lag k (B's sample i + k meets A's sample i): Pearson r over the pairs where both have a
    value, and the number of such pairs. Six FFT correlations give all lags at once."""
    from scipy import signal

    ma, mb = np.isfinite(a), np.isfinite(b)
    a0 = np.where(ma, a - np.nanmean(a), 0.0)  # centred: keeps the sums of squares well conditioned
    b0 = np.where(mb, b - np.nanmean(b), 0.0)
    fa, fb = ma.astype(np.float64), mb.astype(np.float64)

    def corr(x, y):
        return signal.correlate(x, y, mode="full", method="fft")

    n = np.round(corr(fb, fa))
    sa, sb = corr(fb, a0), corr(b0, fa)
    saa, sbb, sab = corr(fb, a0 * a0), corr(b0 * b0, fa), corr(b0, a0)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (n * saa - sa * sa) * (n * sbb - sb * sb)
        r = (n * sab - sa * sb) / np.sqrt(np.where(var > 1e-9, var, np.nan))
    lags = signal.correlation_lags(b.size, a.size, mode="full")
    return lags, np.clip(np.nan_to_num(r), -1.0, 1.0), n


def _pooled(a_curves, b_curves, names, step, a_t, b_t):
    """Per lag over the named angles on a common grid of `step`: the offset, the pooled r, the score the
    best lag is chosen by, and the mean number of pairs per angle.

    The score pools each angle's r counting negative ones as 0: an angle seen from another viewpoint can
    move the other way (a knee's 2D angle from two cameras), which is no evidence against a lag, while the
    angles that agree are evidence for it. Two cameras on one trial (pose2sim cam01/cam02) then line up
    within a frame of what the eye sees; with the plain pooled r the knees pulled the offset 7-9 frames off.
    """
    ga, gb = _grid(a_t, step), _grid(b_t, step)
    total_r = total_pos = total_n = lags = None
    for name in names:
        lags, r, n = _lagged_pearson(_resample(a_curves[name], a_t, ga), _resample(b_curves[name], b_t, gb))
        total_r = r * n if total_r is None else total_r + r * n
        total_pos = np.clip(r, 0, None) * n if total_pos is None else total_pos + np.clip(r, 0, None) * n
        total_n = n if total_n is None else total_n + n
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.where(total_n > 0, total_r / np.maximum(total_n, 1), np.nan)
        score = np.where(total_n > 0, total_pos / np.maximum(total_n, 1), np.nan)
    offsets = lags * step + gb[0] - ga[0]
    return offsets, pooled, score, total_n / len(names)


def _check(a_curves, a_t, b_curves, b_t, names):
    a_t, b_t = np.asarray(a_t, dtype=np.float64), np.asarray(b_t, dtype=np.float64)
    names = shared_angles(a_curves, b_curves, names)
    if not names:
        raise SyncError("The two clips share no angle with data to compare; choose angles both show.")
    step = min(float(np.median(np.diff(a_t))), float(np.median(np.diff(b_t)))) / 2
    return a_t, b_t, names, step


def correlation_sync(a_curves: dict, a_t, b_curves: dict, b_t, names=None,
                     max_offset_s: float | None = None) -> SyncResult:
    """The fixed offset that lines the angle curves up best (pooled Pearson r), to a fraction of a frame.

    Curves are resampled to half the shorter frame interval; the best lag is refined by a parabola through
    its neighbours. Only offsets with a common stretch of MIN_OVERLAP_S and MIN_OVERLAP_SHARE of the shorter
    clip count, so a few matching frames at the clips' ends cannot win.
    """
    a_t, b_t, names, step = _check(a_curves, a_t, b_curves, b_t, names)
    offsets, r, score, n = _pooled(a_curves, b_curves, names, step, a_t, b_t)
    shorter = min(np.isfinite(np.stack([a_curves[k] for k in names])).any(axis=0).sum() * np.median(np.diff(a_t)),
                  np.isfinite(np.stack([b_curves[k] for k in names])).any(axis=0).sum() * np.median(np.diff(b_t)))
    need = max(MIN_OVERLAP_S, MIN_OVERLAP_SHARE * shorter) / step
    usable = (n >= need) & np.isfinite(r)
    if max_offset_s is not None:
        usable &= np.abs(offsets) <= max_offset_s
    if not usable.any():
        raise SyncError("The two clips have no common stretch long enough to compare; mark the same moment in "
                        "each with --sync A_SECONDS,B_SECONDS.")
    k = int(np.flatnonzero(usable)[np.argmax(score[usable])])
    best, sim = float(offsets[k]), float(r[k])
    if 0 < k < r.size - 1 and usable[k - 1] and usable[k + 1]:
        y0, y1, y2 = score[k - 1], score[k], score[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            frac = 0.5 * (y0 - y2) / den
            best += frac * step
            # the pooled r at the refined offset, by the parabola through its three values
            sim = float(r[k] + 0.5 * frac * (r[k + 1] - r[k - 1]) + 0.5 * frac ** 2 * (r[k - 1] - 2 * r[k] + r[k + 1]))
    return SyncResult(best, float(np.clip(sim, -1, 1)), "correlation", tuple(names))


def similarity_at(a_curves: dict, a_t, b_curves: dict, b_t, offset_s: float, names=None) -> float:
    """Pooled Pearson r of the curves with B shifted by a given offset (e.g. one from marked moments)."""
    a_t, b_t, names, step = _check(a_curves, a_t, b_curves, b_t, names)
    return _pairs_r([(a_curves[n], _at(b_curves[n], b_t, a_t + offset_s)) for n in names])


def _at(values: np.ndarray, t: np.ndarray, when: np.ndarray) -> np.ndarray:
    return _resample(values, t, when) if when.size else np.zeros(0)


def _pairs_r(pairs) -> float:
    """Pooled Pearson r over (a, b) sample pairs per angle, weighted by each angle's valid pairs."""
    total, count = 0.0, 0
    for a, b in pairs:
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < 3 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
            continue
        total += float(np.corrcoef(a[ok], b[ok])[0, 1]) * ok.sum()
        count += int(ok.sum())
    return total / count if count else float("nan")


def event_sync(a_curves: dict, a_t, b_curves: dict, b_t, a_time_s: float, b_time_s: float,
               names=None) -> SyncResult:
    """The offset from one marked moment in each clip, with the similarity of the curves so aligned."""
    offset = offset_from_events(a_time_s, b_time_s)
    try:
        names = shared_angles(a_curves, b_curves, names)
        sim = similarity_at(a_curves, a_t, b_curves, b_t, offset, names) if names else float("nan")
    except SyncError:
        sim = float("nan")
    return SyncResult(offset, sim, "events", tuple(names or ()))


def dtw_path(a: np.ndarray, b: np.ndarray, band: float | None = None,
             open_ends: bool = False, min_share: float = MIN_OVERLAP_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Warp path (i, j index arrays) minimising the summed squared distance between rows a[i] (N, D) and
    b[j] (M, D); steps (1,1), (1,0), (0,1).

    open_ends False: from (0, 0) to (N-1, M-1). True: the path may start anywhere on the first row or
    column and end anywhere on the last ones (one clip starts or stops while the other is mid-movement); the
    end with the lowest cost per step wins among paths at least `min_share` of the shorter length long.
    band: cells further than this share from the diagonal are not allowed (Sakoe-Chiba; fixed ends only).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n, m = len(a), len(b)
    cost = np.zeros((n, m))
    for d in range(a.shape[1]):  # one angle at a time: an (N, M, D) temporary would take D times the memory
        cost += (a[:, d, None] - b[None, :, d]) ** 2
    if band is not None and not open_ends:
        ii, jj = np.meshgrid(np.arange(n) / max(n - 1, 1), np.arange(m) / max(m - 1, 1), indexing="ij")
        cost[np.abs(ii - jj) > band] = np.inf
    acc = np.full((n + 1, m + 1), np.inf)
    length = np.zeros((n + 1, m + 1))
    if open_ends:
        acc[0, :] = 0.0
        acc[:, 0] = 0.0
    else:
        acc[0, 0] = 0.0
    for d in range(2, n + m + 1):  # one anti-diagonal (i + j = d, 1-based) at a time: its cells are independent
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        prev = np.stack([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]])
        k = np.argmin(prev, axis=0)
        acc[i, j] = cost[i - 1, j - 1] + prev[k, np.arange(i.size)]
        pl = np.stack([length[i - 1, j - 1], length[i - 1, j], length[i, j - 1]])
        length[i, j] = 1 + pl[k, np.arange(i.size)]
    if open_ends:
        ends = [(n, j) for j in range(1, m + 1)] + [(i, m) for i in range(1, n)]
        need = max(2.0, min_share * min(n, m))
        scores = [acc[e] / length[e] if length[e] >= need else np.inf for e in ends]
        best = int(np.argmin(scores))
        if not np.isfinite(scores[best]):
            raise SyncError("The two clips have no common stretch long enough to compare.")
        i, j = ends[best]
    else:
        i, j = n, m
    if not np.isfinite(acc[i, j]):
        raise SyncError("The warp band is too narrow for these two clips.")
    path = []
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        if open_ends and (i == 1 or j == 1):
            break
        step = int(np.argmin((acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])))
        i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
    path.reverse()
    p = np.asarray(path)
    return p[:, 0], p[:, 1]


def _standardised(curves: dict, t: np.ndarray, names, grid: np.ndarray) -> np.ndarray:
    """(len(grid), angles): each angle resampled, gaps bridged, scaled to zero mean and unit SD, so people
    with different ranges of motion are matched by the shape of their movement."""
    cols = []
    for name in names:
        x = _resample(curves[name], t, grid)
        ok = np.isfinite(x)
        x = np.interp(np.arange(x.size), np.flatnonzero(ok), x[ok]) if ok.any() else np.zeros_like(x)
        sd = x.std()
        cols.append((x - x.mean()) / sd if sd > 0 else x * 0)
    return np.stack(cols, axis=1)


def _seen(curves: dict, t: np.ndarray, names) -> np.ndarray:
    """The two timestamps bounding the samples where any of the named angles has a value."""
    seen = np.flatnonzero(np.isfinite(np.stack([curves[n] for n in names])).any(axis=0))
    return t[[seen[0], seen[-1]]]


def dtw_sync(a_curves: dict, a_t, b_curves: dict, b_t, names=None) -> SyncResult:
    """Time warping of B onto A with open ends (either clip may start or stop mid-movement).

    Returns the path (A's times, B's matching times), offset_s = the median of B's minus A's time along it,
    and the similarity of the curves matched along the path.
    """
    a_t, b_t, names, step = _check(a_curves, a_t, b_curves, b_t, names)
    step *= 2  # one sample per frame of the faster clip
    step = max(step, (a_t[-1] - a_t[0]) / MAX_DTW_SAMPLES, (b_t[-1] - b_t[0]) / MAX_DTW_SAMPLES)
    # only where the person is seen: a stretch without data would be bridged by a constant, which matches
    # anything in the other clip at no cost and lets the path wander
    ga, gb = _grid(_seen(a_curves, a_t, names), step), _grid(_seen(b_curves, b_t, names), step)
    i, j = dtw_path(_standardised(a_curves, a_t, names, ga), _standardised(b_curves, b_t, names, gb),
                    open_ends=True)
    path_a, path_b = ga[i], gb[j]
    sim = _pairs_r([(_resample(a_curves[n], a_t, path_a), _resample(b_curves[n], b_t, path_b)) for n in names])
    return SyncResult(float(np.median(path_b - path_a)), sim, "dtw", tuple(names), path_a, path_b)


def aligned_columns(a_curves: dict, a_t, b_curves: dict, b_t, sync: SyncResult, names=None) -> dict[str, np.ndarray]:
    """The numbers of both clips on A's clock over their common stretch: time_s (A's frame times), b_time_s,
    then a_NAME and b_NAME per angle (B's values interpolated at its matching time)."""
    a_t, b_t = np.asarray(a_t, dtype=np.float64), np.asarray(b_t, dtype=np.float64)
    names = [n for n in (names or sync.angles or a_curves) if n in a_curves and n in b_curves]
    tb = sync.b_time(a_t)
    keep = np.isfinite(tb) & (tb >= b_t[0] - 1e-9) & (tb <= b_t[-1] + 1e-9)
    if not keep.any():
        raise SyncError("With this offset the two clips do not overlap; check the times marked in each.")
    cols = {"time_s": a_t[keep], "b_time_s": tb[keep]}
    for n in names:
        cols[f"a_{n}"] = np.asarray(a_curves[n], dtype=np.float64)[keep]
        cols[f"b_{n}"] = _resample(np.asarray(b_curves[n], dtype=np.float64), b_t, tb[keep]) \
            if np.isfinite(b_curves[n]).any() else np.full(int(keep.sum()), np.nan)
    return cols


__all__ = ["SyncError", "SyncResult", "aligned_columns", "correlation_sync", "dtw_path", "dtw_sync", "event_sync",
           "offset_from_events", "shared_angles", "similarity_at"]


def sync_by(mode: str, a_curves: dict, a_t, b_curves: dict, b_t, names=None, marks=None) -> SyncResult:
    """One sync for the window and the command line: "events" (marks = A's and B's time of the same
    moment), "dtw", or anything else for one fixed offset by cross-correlation."""
    if mode == "events":
        return event_sync(a_curves, a_t, b_curves, b_t, marks[0], marks[1], names)
    if mode == "dtw":
        return dtw_sync(a_curves, a_t, b_curves, b_t, names)
    return correlation_sync(a_curves, a_t, b_curves, b_t, names)
