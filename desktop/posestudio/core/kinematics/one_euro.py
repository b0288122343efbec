"""The one-euro filter (Casiez, Roussel and Vogel, CHI 2012): causal smoothing for live angles.

A first-order low-pass whose cutoff rises with the speed of the signal: at rest it smooths hard (jitter
gone), in fast movement it lets the signal through (little lag). It needs only the past, unlike the
zero-lag Butterworth (filtering.butterworth), which runs backwards over the future too.

Lag: a first-order low-pass delays a steadily moving signal by tau = 1 / (2 pi fc), with
fc = min_cutoff + beta * |speed|. With the defaults (1 Hz, beta 0.05 per deg/s) a joint turning at
90 deg/s is followed with fc = 5.5 Hz, about 29 ms behind; at 30 deg/s, fc = 2.5 Hz, 64 ms; almost still,
the 159 ms of 1 Hz hardly matters as the value barely changes. The speed is taken between raw samples
(the paper takes it from the previous filtered value, which overstates it while the filter lags), so a
steady movement is followed exactly `lag_s(speed)` behind.
"""

from __future__ import annotations

import math

DEFAULT_MIN_CUTOFF_HZ = 1.0
DEFAULT_BETA = 0.05        # Hz per unit/s (deg/s for angles)
DEFAULT_D_CUTOFF_HZ = 1.0  # low-pass of the speed estimate
DEFAULT_RESET_GAP_S = 0.5  # after a longer gap the old value says nothing: start again


def _alpha(dt: float, cutoff_hz: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


def lag_s(speed: float, min_cutoff: float = DEFAULT_MIN_CUTOFF_HZ, beta: float = DEFAULT_BETA) -> float:
    """How far (seconds) the filter trails a value moving steadily at `speed` units per second."""
    return 1.0 / (2.0 * math.pi * (min_cutoff + beta * abs(speed)))


class OneEuroFilter:
    """One scalar track, fed sample by sample with its timestamps (seconds); NaN samples pass as NaN."""

    def __init__(self, min_cutoff: float = DEFAULT_MIN_CUTOFF_HZ, beta: float = DEFAULT_BETA,
                 d_cutoff: float = DEFAULT_D_CUTOFF_HZ, reset_gap_s: float = DEFAULT_RESET_GAP_S):
        self.min_cutoff, self.beta, self.d_cutoff, self.reset_gap_s = min_cutoff, beta, d_cutoff, reset_gap_s
        self.reset()

    def reset(self) -> None:
        self._x: float | None = None
        self._raw = 0.0
        self._dx = 0.0
        self._t: float | None = None

    def __call__(self, x: float, t: float) -> float:
        if not math.isfinite(x):
            return math.nan
        if self._x is None or self._t is None or t - self._t > self.reset_gap_s:
            self._x, self._raw, self._dx, self._t = float(x), float(x), 0.0, float(t)
            return self._x
        dt = t - self._t
        if dt <= 0:
            return self._x
        dx = (x - self._raw) / dt
        self._dx += _alpha(dt, self.d_cutoff) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * abs(self._dx)
        self._x += _alpha(dt, cutoff) * (x - self._x)
        self._raw, self._t = float(x), float(t)
        return self._x
