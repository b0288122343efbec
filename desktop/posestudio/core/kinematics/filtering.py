"""Cleaning angle tracks: single-frame outliers, short gaps, zero-lag Butterworth low-pass, velocity.

Everything works with the real timestamps (variable frame rate, dropped frames) and keeps NaN where there
is no data: long gaps are never invented. Functions take (F,) tracks; (F, N) arrays are done column by column.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_CUTOFF_HZ = 6.0
DEFAULT_ORDER = 4
DEFAULT_MAX_GAP_S = 0.25
DEFAULT_MIN_EDGE_RUN = 3
DEFAULT_MAX_ISLAND = 3  # samples
DEFAULT_ISLAND_JUMP = 30.0  # value units (degrees)
# no joint sweeps faster on average across a gap: the fastest throws peak near this only for an instant
DEFAULT_MAX_BRIDGE_RATE = 1000.0  # value units per second
# 40 degrees between two frames at 30 fps: arms move this fast only in throws and strikes
FAST_RATE = 1200.0  # value units per second


def _per_column(func):
    """Let a function written for one (F,) track accept (F, N) arrays."""
    @functools.wraps(func)
    def wrapper(values, *args, **kwargs):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            return func(values, *args, **kwargs)
        flat = values.reshape(values.shape[0], -1)
        out = np.stack([func(flat[:, j], *args, **kwargs) for j in range(flat.shape[1])], axis=1)
        return out.reshape(values.shape)
    return wrapper


def finite_runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the contiguous finite stretches of a 1-D array."""
    ok = np.concatenate([[False], np.isfinite(values), [False]])
    edges = np.flatnonzero(np.diff(ok.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _timestamps(timestamps, n: int) -> np.ndarray:
    t = np.asarray(timestamps, dtype=np.float64)
    if t.shape != (n,):
        raise ValueError(f"timestamps must have shape ({n},), got {t.shape}")
    return t


@_per_column
def fill_gaps(values: np.ndarray, timestamps, max_gap_s: float = DEFAULT_MAX_GAP_S,
              method: str = "cubic", max_rate: float | None = None) -> np.ndarray:
    """Interpolate NaN stretches lasting at most `max_gap_s` between two valid samples.

    method "cubic" (a cubic through the few samples either side of the gap; linear when there are fewer
    than two on a side) or "linear".
    A gap's length is the time with no data: from the last valid sample before it to the first after it,
    minus one typical frame interval (so at 30 fps, 0.25 s fills up to 7 missing frames). Gaps at the start
    or the end are never filled (no extrapolation).
    max_rate: a gap across which the value would have to change faster than this (units per second, on
    average) is left open: the samples either side disagree (the model hopped to another person, or one
    side is wrong), and a bridge would draw a movement nobody made.
    """
    x = values.copy()
    t = _timestamps(timestamps, x.size)
    ok = np.isfinite(x)
    if ok.sum() < 2 or ok.all():
        return x
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    for start, stop in finite_runs(np.where(ok, np.nan, 0.0)):  # runs of missing samples
        if start == 0 or stop == x.size:
            continue
        before, after = start - 1, stop
        if max_rate is not None and abs(x[after] - x[before]) > max_rate * (t[after] - t[before]):
            continue
        if t[after] - t[before] - dt <= max_gap_s + 1e-9:
            x[start:stop] = _bridge(t, x, ok, before, after, method, max_rate)
    return x


def _bridge(t, x, ok, before, after, method, max_rate=None):
    """Values for the gap between samples `before` and `after`: a cubic through up to 3 valid samples on
    each side (follows the curve into the gap, so a peak inside a short gap is not flattened), or linear
    when the cubic would swing beyond the samples or, with max_rate, move faster than that anywhere."""
    from scipy.interpolate import CubicSpline  # scipy loads lazily: it is half the window's start-up time

    gap = slice(before + 1, after)
    if method == "cubic":
        left = [i for i in range(before, max(-1, before - 3), -1) if ok[i]]
        left = left[:next((k for k in range(len(left)) if left[k] != before - k), len(left))]
        right = [i for i in range(after, min(len(x), after + 3)) if ok[i]]
        right = right[:next((k for k in range(len(right)) if right[k] != after + k), len(right))]
        if len(left) >= 2 and len(right) >= 2:
            idx = np.array(left[::-1] + right)
            bridge = CubicSpline(t[idx], x[idx])(t[gap])
            # noisy samples at a gap's edges (a keypoint failing before an occlusion) can throw the cubic
            # far outside anything measured (an elbow flexion of 290 degrees); a real peak inside a short
            # gap rises above its neighbours by less than their own spread
            lo, hi = float(x[idx].min()), float(x[idx].max())
            path = np.concatenate([[x[before]], bridge, [x[after]]])
            fast = max_rate is not None and np.any(
                np.abs(np.diff(path)) > max_rate * np.diff(t[before:after + 1]) + 1e-9)
            if lo - (hi - lo) <= bridge.min() and bridge.max() <= hi + (hi - lo) and not fast:
                return bridge
    return np.interp(t[gap], [t[before], t[after]], [x[before], x[after]])


@_per_column
def reject_outliers(values: np.ndarray, timestamps=None, threshold: float = 6.0,
                    min_jump: float = 10.0) -> np.ndarray:
    """Set single-frame spikes to NaN (fill_gaps then bridges them).

    A sample is a spike when both neighbours are valid, it sits on the same side of both and more than
    `min_jump` (value units, degrees for angles) away from each, and its distance from the line through
    the neighbours exceeds `threshold` times the track's robust spread of that distance (median absolute
    deviation), so the sharp but genuine peaks of fast movements survive. The first and last sample of
    each stretch are held to the same limit against the line through their two inner neighbours.
    """
    x = values.copy()
    n = x.size
    if n < 3:
        return x
    t = np.arange(n, dtype=np.float64) if timestamps is None else _timestamps(timestamps, n)
    prev, mid, nxt = x[:-2], x[1:-1], x[2:]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (t[1:-1] - t[:-2]) / (t[2:] - t[:-2])
        resid = mid - (prev + (nxt - prev) * frac)
        valid = np.isfinite(resid)
        if valid.sum() < 3:
            return x
        med = np.median(resid[valid])
        spread = 1.4826 * np.median(np.abs(resid[valid] - med))
        d_prev, d_next = mid - prev, mid - nxt
        spike = (valid & (np.abs(resid) > max(threshold * spread, min_jump))
                 & (np.abs(d_prev) > min_jump) & (np.abs(d_next) > min_jump)
                 & (np.sign(d_prev) == np.sign(d_next)))
    x[1:-1][spike] = np.nan
    # the first and last sample of each stretch have one neighbour: judge them against the line through
    # the next two (a model's first frame on a person, or a limb's last before it leaves the picture)
    limit = max(threshold * spread, min_jump)
    for start, stop in finite_runs(values):
        if stop - start < 4:
            continue
        for edge, a, b in ((start, start + 1, start + 2), (stop - 1, stop - 2, stop - 3)):
            predicted = values[a] + (values[a] - values[b]) * (t[edge] - t[a]) / (t[a] - t[b])
            if abs(values[edge] - predicted) > limit and abs(values[edge] - values[a]) > min_jump:
                x[edge] = np.nan
    return x


def reject_fast_edges(values: np.ndarray, timestamps, measured: np.ndarray, rate: float = FAST_RATE) -> np.ndarray:
    """Set to NaN a sample next to missing data (NaN in `measured`, the track before outlier rejection)
    that moved from its other neighbour faster than `rate` per second.

    Nothing on the far side confirms such a sample, and a model losing a body part (leaving the picture,
    hidden behind someone) often puts it somewhere else in its last frame: the curve would end, or start,
    with a swing nobody made. Gaps made by outlier rejection do not count: next to them real fast
    movement (the samples around a single bad frame in a throw) is kept.
    """
    x = np.array(values, dtype=np.float64, copy=True)
    t = _timestamps(timestamps, x.size)
    n = x.size

    def fast(a: int, b: int) -> bool:
        return abs(x[b] - x[a]) > rate * (t[b] - t[a])

    for start, stop in finite_runs(values):
        if stop - start < 3:
            continue
        if stop < n and np.isnan(measured[stop]) and fast(stop - 2, stop - 1):
            x[stop - 1] = np.nan
        if start > 0 and np.isnan(measured[start - 1]) and fast(start, start + 1):
            x[start] = np.nan
    return x


@_per_column
def reject_islands(values: np.ndarray, timestamps, max_len: int = DEFAULT_MAX_ISLAND,
                   min_jump: float = DEFAULT_ISLAND_JUMP, max_gap_s: float = DEFAULT_MAX_GAP_S) -> np.ndarray:
    """Set to NaN short stretches (at most `max_len` samples) with gaps on both sides whose values are more
    than `min_jump` away from the data on both sides, seen within `max_gap_s` of them.

    A model that loses a person for a frame or two often finds a wrong pose in between (upside down on a
    blurred pan, a limb on a neighbour); reject_outliers cannot see such a stretch because its neighbours
    are missing, and gap filling would join the curve to it. Such a stretch that jumps by more than
    `min_jump` between its own samples goes too. Otherwise a stretch with no data near it on one side cannot
    be checked and is kept.
    """
    x = values.copy()
    t = _timestamps(timestamps, x.size)
    runs = finite_runs(values)
    for k in range(1, len(runs) - 1):
        start, stop = runs[k]
        if stop - start > max_len:
            continue
        island = values[start:stop]
        if stop - start > 1 and np.abs(np.diff(island)).max() > min_jump:
            x[start:stop] = np.nan  # it does not even agree with itself
            continue
        before, after = runs[k - 1][1] - 1, runs[k + 1][0]
        if t[start] - t[before] > max_gap_s or t[after] - t[stop - 1] > max_gap_s:
            continue
        if (np.abs(island - values[before]) > min_jump).all() and (np.abs(island - values[after]) > min_jump).all():
            x[start:stop] = np.nan
    return x


@functools.lru_cache(maxsize=64)
def low_pass_design(order: int, wn: float) -> np.ndarray:
    """Second-order sections of a Butterworth low-pass (`wn` a fraction of Nyquist). Kept: designing it took
    longer than filtering a run, and a clip's runs share one sampling rate."""
    from scipy import signal

    return signal.butter(order, wn, btype="low", output="sos")  # shared: callers must not write to it


def _sos_padlen(sos: np.ndarray) -> int:
    # the default edge padding of scipy.signal.sosfiltfilt
    return 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))


@_per_column
def butterworth(values: np.ndarray, timestamps, cutoff_hz: float = DEFAULT_CUTOFF_HZ,
                order: int = DEFAULT_ORDER) -> np.ndarray:
    """Zero-lag low-pass: a Butterworth of `order` run forwards and backwards (sosfiltfilt).

    Filtered per contiguous finite run, at the sampling rate of that run's real timestamps. Irregular
    timestamps are resampled onto a uniform grid for filtering and interpolated back. Runs too short for
    the filter's edge padding, or sampled too slowly for the cutoff, are returned unfiltered.
    Note filtfilt squares the magnitude response: the gain at the cutoff is 0.5 (-6 dB).
    """
    x = values.copy()
    t = _timestamps(timestamps, x.size)
    for start, stop in finite_runs(x):
        if stop - start < 2:
            continue
        tr, xr = t[start:stop], x[start:stop]
        dt = np.diff(tr)
        step = float(np.median(dt))
        if step <= 0:
            continue
        fs = 1.0 / step
        wn = cutoff_hz / (fs / 2.0)
        if not 0 < wn < 1:
            log.debug("cutoff %.2f Hz not below Nyquist of %.2f Hz; run left unfiltered", cutoff_hz, fs / 2)
            continue
        from scipy import signal
        from scipy.interpolate import CubicSpline

        sos = low_pass_design(int(order), float(wn))
        regular = np.all(np.abs(dt - step) <= 0.02 * step)
        if regular:
            grid, y = tr, xr
        else:
            count = int(np.floor((tr[-1] - tr[0]) / step + 1e-9)) + 1
            grid = tr[0] + step * np.arange(count)
            # a cubic keeps peaks that fall between irregular samples (linear would clip them)
            y = CubicSpline(tr, xr)(grid) if tr.size >= 4 else np.interp(grid, tr, xr)
        if y.size <= _sos_padlen(sos):
            continue
        filtered = signal.sosfiltfilt(sos, y)
        if regular:
            x[start:stop] = filtered
        else:
            # back to the real timestamps; the last one may fall just past the grid
            x[start:stop] = CubicSpline(grid, filtered)(tr) if grid.size >= 4 else np.interp(tr, grid, filtered)
    return x


@_per_column
def drop_edge_runs(values: np.ndarray, min_run: int = DEFAULT_MIN_EDGE_RUN) -> np.ndarray:
    """Set the first and the last finite stretch to NaN when it is shorter than `min_run` samples and a gap
    separates it from the rest of the data.

    One or two frames cut off from the rest are where a track starts or ends: a model finding a person
    (found, missed, found again) or losing a limb that leaves the picture (it collapses onto the other
    one). With data on one side only nothing can confirm them, and gap filling would join the curve to
    them. Short stretches inside the data are left to the outlier test, which can compare both sides.
    """
    x = values.copy()
    runs = finite_runs(x)
    if len(runs) > 1:
        for start, stop in (runs[0], runs[-1]):
            if stop - start < min_run:
                x[start:stop] = np.nan
    return x


@_per_column
def smooth(values: np.ndarray, timestamps, cutoff_hz: float | None = DEFAULT_CUTOFF_HZ,
           order: int = DEFAULT_ORDER, max_gap_s: float = DEFAULT_MAX_GAP_S,
           outliers: bool = True, bounds: tuple[float, float] | None = None,
           min_edge_run: int = DEFAULT_MIN_EDGE_RUN, max_bridge_rate: float | None = None) -> np.ndarray:
    """Unconfirmed edge samples dropped (drop_edge_runs; min_edge_run 0 or 1 keeps them), outlier
    rejection (single-frame spikes, fast samples next to missing data, then short stretches between gaps),
    gap filling (not across a change
    faster than max_bridge_rate per second, when given), then the zero-lag Butterworth (skipped when
    cutoff_hz is None or 0).

    bounds: the values' domain (an unsigned angle's 0..180); filled gaps and the filter's ringing are kept
    inside it, so a bridge across a gap never invents a value the measurement cannot take.
    Returns a new array; the input (the raw track) is never modified. It is drop_doubtful then
    bridge_and_filter: the first looks at the whole track, the second only a bounded way around each sample
    (local_smooth does it again over a changed piece).
    """
    x = drop_doubtful(values, timestamps, max_gap_s, outliers, min_edge_run)
    return bridge_and_filter(x, timestamps, cutoff_hz, order, max_gap_s, bounds, max_bridge_rate)


def drop_doubtful(values: np.ndarray, timestamps, max_gap_s: float = DEFAULT_MAX_GAP_S, outliers: bool = True,
                  min_edge_run: int = DEFAULT_MIN_EDGE_RUN) -> np.ndarray:
    """smooth's first half on a (F,) track: unconfirmed edge stretches, spikes, fast edges and islands set to
    NaN. Its verdicts depend on the whole track (the first and last stretch, the spikes' limit)."""
    x = np.array(values, dtype=np.float64)
    if min_edge_run and min_edge_run > 1:
        x = drop_edge_runs(x, min_edge_run)
    if outliers:
        measured = x
        x = reject_outliers(x, timestamps)
        x = reject_fast_edges(x, timestamps, measured)
        x = reject_islands(x, timestamps, max_gap_s=max(max_gap_s or 0.0, DEFAULT_MAX_GAP_S))
    return x


def bridge_and_filter(x: np.ndarray, timestamps, cutoff_hz: float | None = DEFAULT_CUTOFF_HZ,
                      order: int = DEFAULT_ORDER, max_gap_s: float = DEFAULT_MAX_GAP_S,
                      bounds: tuple[float, float] | None = None, max_bridge_rate: float | None = None) -> np.ndarray:
    """smooth's second half on a (F,) track drop_doubtful cleaned: short gaps bridged, then the low-pass.
    A sample's value depends only on the track a bounded way around it (local_smooth.reach)."""
    x = np.array(x, dtype=np.float64)
    if max_gap_s and max_gap_s > 0:
        x = fill_gaps(x, timestamps, max_gap_s, max_rate=max_bridge_rate)
        if bounds is not None:
            x = np.clip(x, *bounds)
    if cutoff_hz:
        x = butterworth(x, timestamps, cutoff_hz, order)
        if bounds is not None:
            x = np.clip(x, *bounds)
    return x


@_per_column
def angular_velocity(values: np.ndarray, timestamps) -> np.ndarray:
    """Time derivative (units per second, deg/s for angles), central differences on the real timestamps.

    Computed per finite run so a gap never leaks into its neighbours; lone samples get NaN.
    """
    t = _timestamps(timestamps, values.size)
    out = np.full(values.size, np.nan)
    for start, stop in finite_runs(values):
        if stop - start >= 2:
            out[start:stop] = np.gradient(values[start:stop], t[start:stop])
    return out
