"""What a curve draws of a long clip (app.timeline.decimate): at most about two points per pixel column, each
column's true min and max (no peak lost, a gap still a gap), the samples themselves when zoomed in, and an
update from new samples that ends where a build from scratch does."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.app.timeline.decimate import MinMaxPyramid

HOUR = 107_460   # frames of an hour of the 29.97 fps clip


@pytest.fixture(scope="module")
def hour():
    rng = np.random.default_rng(3)
    t = np.arange(HOUR) / 29.97
    y = 90 + 40 * np.sin(t * 2.1) + rng.normal(0, 3, HOUR)
    y[5000:5300] = np.nan              # ten seconds the person is not seen
    y[70_001] = 250.0                  # one spike: a column's max must keep it
    return t, y


def _check_blocks(t, y, x, low, high, k_samples):
    """Each block's drawn (min, max) equals the nanmin / nanmax of the samples it holds."""
    starts = np.searchsorted(t, x)
    for s, lo, hi in zip(starts, low, high):
        block = y[s:s + k_samples]
        if np.isnan(block).all():
            assert np.isnan(lo) and np.isnan(hi)
        else:
            assert lo == np.nanmin(block) and hi == np.nanmax(block)


def test_the_whole_hour_draws_two_points_a_column_with_every_peak(hour):
    t, y = hour
    p = MinMaxPyramid(t, y)
    x, low, high = p.view(-10.0, t[-1] + 10.0, 1200)
    assert len(x) == len(low) == len(high) <= 1200 + 2
    assert np.nanmax(high) == 250.0 and np.nanmin(low) == np.nanmin(y)
    step = int(np.searchsorted(t, x[1])) - int(np.searchsorted(t, x[0]))   # samples per block
    _check_blocks(t, y, x, low, high, step)
    assert p.bounds() == (np.nanmin(y), np.nanmax(y))


def test_a_gap_stays_a_gap_and_ten_seconds_are_the_samples(hour):
    t, y = hour
    p = MinMaxPyramid(t, y)
    x, low, high = p.view(t[4000], t[6500], 1200)   # 2,500 samples on 1,200 columns: blocks of 4
    assert np.isnan(low).any() and np.isnan(high).any() and len(x) <= 1200 + 2
    x0 = t[60_000] + 0.01
    x, d, none = p.view(x0, x0 + 10.0, 1200)   # 300 samples: drawn as they are
    assert none is None
    i = np.searchsorted(t, x)
    np.testing.assert_array_equal(d, y[i])
    assert x[0] < x0 and x[-1] > x0 + 10.0   # one sample beyond each edge


def test_growing_updates_end_where_a_build_from_scratch_does(hour):
    t, full = hour
    y = np.full(HOUR, np.nan)
    p = MinMaxPyramid(t, y, 0)
    assert np.isnan(p.bounds()[0]) and len(p.view(0, 100, 500)[0]) == 0
    done = 0
    for stop in (1, 7, 4096, 4097, 30_000, 70_002, HOUR):   # odd sizes: blocks completed in several steps
        y[done:stop] = full[done:stop]
        p.update(stop, done)
        done = stop
        fresh = MinMaxPyramid(t, y.copy(), stop)
        for k in range(1, len(p.lo)):
            n = -(-stop >> k)
            np.testing.assert_array_equal(p.lo[k][:n], fresh.lo[k][:n])
            np.testing.assert_array_equal(p.hi[k][:n], fresh.hi[k][:n])
        x, _low, _high = p.view(0.0, t[-1], 800)
        assert x[-1] <= t[stop - 1]   # nothing drawn past the samples there are
    assert p.bounds() == (np.nanmin(full), 250.0)

