"""What a curve draws of a long clip (app.timeline.decimate): at most about two points per pixel column, each
column's true min and max (no peak lost, a gap still a gap), the samples themselves when zoomed in, and an
update from new samples that ends where a build from scratch does, also when they come in spans out of order
(segments of the clip analysed side by side), at a cost that follows the spans, not the stretch between them."""

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
        p.update(stop)   # the samples past the last count are the new ones
        done = stop
        fresh = MinMaxPyramid(t, y.copy(), stop)
        for k in range(1, len(p.lo)):
            n = -(-stop >> k)
            np.testing.assert_array_equal(p.lo[k][:n], fresh.lo[k][:n])
            np.testing.assert_array_equal(p.hi[k][:n], fresh.hi[k][:n])
        x, _low, _high = p.view(0.0, t[-1], 800)
        assert x[-1] <= t[stop - 1]   # nothing drawn past the samples there are
    assert p.bounds() == (np.nanmin(full), 250.0)



def _same_as_fresh(p, y, count):
    fresh = MinMaxPyramid(p.t, y.copy(), count)
    for k in range(1, len(p.lo)):
        n = -(-count >> k)
        np.testing.assert_array_equal(p.lo[k][:n], fresh.lo[k][:n])
        np.testing.assert_array_equal(p.hi[k][:n], fresh.hi[k][:n])
    assert p.bounds() == fresh.bounds() or np.isnan(fresh.bounds()).all()


def test_two_fronts_half_an_hour_apart_cost_their_new_samples_only(hour):
    """Two segments fill the hour at once, their batches reported out of order: after each update the
    pyramid is a build from scratch, and the blocks worked out follow the new samples (the previous update,
    from the lowest changed sample to the count, redid half the clip each time)."""
    t, full = hour
    y = np.full(HOUR, np.nan)
    half = HOUR // 2
    p = MinMaxPyramid(t, y, half)              # the second segment's first frame sets the count far ahead
    fronts, count, rng = [0, half], half, np.random.default_rng(5)
    for step in range(40):
        spans = []
        for i in rng.permutation(2):           # either front may report first
            size = int(rng.integers(1, 300))
            a = fronts[i]
            b = min(a + size, half if i == 0 else HOUR)
            y[a:b] = full[a:b]
            fronts[i] = b
            spans.append((a, b))
        new_count = max(count, fronts[1])
        before = p.computed
        p.update(new_count, [s for s in spans if s[1] <= count] if step % 2 else spans)
        count = new_count
        new = sum(b - a for a, b in spans)
        # each span costs about its size (a block per pair of samples, halving per level) and a block or
        # two per level at its ends; the stretch between the fronts (tens of thousands of samples) costs nothing
        assert p.computed - before <= new + 4 * len(p.lo) * 2
        _same_as_fresh(p, y, count)
    # a sample far behind both fronts corrected in place (an edit, a re-analysed frame)
    y[123] = -50.0
    before = p.computed
    p.update(count, [(123, 124)])
    assert p.computed - before == len(p.lo) - 1   # one block per level
    _same_as_fresh(p, y, count)
    assert p.bounds()[0] == -50.0
