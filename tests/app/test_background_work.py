"""The summary table and the save of an identity fix run on pool threads: the GUI thread never computes or
writes them, stale summaries are dropped, older identity states never land after newer ones."""

from __future__ import annotations

import errno
import logging
import threading

import numpy as np
import pytest

from posestudio.core.analysis import cache as core_analysis
from posestudio.core.analysis.cache import load_cached
from posestudio.core.kinematics.table import AngleTable
from posestudio.core.models.registry import DEFAULT_MODEL

RUNNING = "sports2d_demo3_running_side.mp4"
GYM = "mmaction2_basketball_gym_240p.mp4"
GATE_S = 20.0  # a gated worker gives up waiting after this (a failing test must not hang)


class Gate:
    """Wraps a function: records the calling thread and arguments, and holds callers until opened."""

    def __init__(self, fn):
        self.fn = fn
        self.open_event = threading.Event()
        self.open_event.set()
        self.calls: list[tuple[int, tuple]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((threading.get_ident(), args))
        self.open_event.wait(GATE_S)
        return self.fn(*args, **kwargs)

    def close(self):
        self.open_event.clear()

    def open(self):
        self.open_event.set()


@pytest.fixture
def summary_gate(monkeypatch):
    gate = Gate(AngleTable.summary)
    monkeypatch.setattr(AngleTable, "summary", lambda self, *a, **k: gate(self, *a, **k))
    yield gate
    gate.open()  # never leave a worker waiting behind a failed assert


@pytest.fixture
def save_gate(monkeypatch):
    gate = Gate(core_analysis.save_cached)
    monkeypatch.setattr(core_analysis, "save_cached", gate)
    yield gate
    gate.open()


_original_summary = AngleTable.summary


def _numbers_for(window, span):
    """What the panel should show for `span`, computed here with the unwrapped method."""
    found = _original_summary(window.session.angle_data.table, *span)
    return {n: v for n, v in found.items() if n in window.session.angle_data.values}


def _assert_shows(window, expected):
    got = window.summary.numbers
    assert set(got) == set(expected)
    for name, want in expected.items():
        for key in ("min", "max", "range", "mean", "t_min", "t_max", "reps"):
            assert got[name][key] == pytest.approx(want[key], nan_ok=True), (name, key)
    row = list(window.session.angle_data.values).index("left_knee")
    assert window.summary.table.item(row, 2).text() == f"{expected['left_knee']['range']:.0f}"


@pytest.mark.slow
def test_summary_of_a_range_is_computed_off_the_gui_thread_keeping_old_numbers_meanwhile(
        window, analyse_with, qtbot, videos_dir, summary_gate):
    analyse_with(window, videos_dir / RUNNING, DEFAULT_MODEL)
    qtbot.waitUntil(lambda: not window.summary.pending, timeout=5000)
    whole = _numbers_for(window, (None, None))
    _assert_shows(window, whole)
    gui = threading.get_ident()
    assert summary_gate.calls and all(ident != gui for ident, _ in summary_gate.calls)

    summary_gate.calls.clear()
    summary_gate.close()
    window.timeline.set_range(0.2, 0.6)
    assert window.summary.range == pytest.approx((0.2, 0.6)) and window.summary.pending
    qtbot.waitUntil(lambda: bool(summary_gate.calls), timeout=5000)  # the worker holds it
    qtbot.wait(100)  # the event loop turns while the worker is busy
    assert window.summary.pending
    _assert_shows(window, whole)  # the old numbers stay until the new ones arrive (no flicker to empty)
    summary_gate.open()
    qtbot.waitUntil(lambda: not window.summary.pending, timeout=5000)
    part = _numbers_for(window, (0.2, 0.6))
    assert part["left_knee"]["range"] < whole["left_knee"]["range"]
    _assert_shows(window, part)
    assert all(ident != gui for ident, _ in summary_gate.calls)
    assert any(args[1:3] == pytest.approx((0.2, 0.6)) for _, args in summary_gate.calls)
    assert window.summary.tsv().splitlines()[0].startswith("Angle\tMin (°)\tMax (°)")


def test_of_two_quick_summary_requests_only_the_second_is_shown(
        window, analyse_with, qtbot, videos_dir, summary_gate):
    analyse_with(window, videos_dir / RUNNING, DEFAULT_MODEL)
    qtbot.waitUntil(lambda: not window.summary.pending, timeout=5000)
    delivered = []
    window.summary.jobs.ready.connect(delivered.append)

    summary_gate.close()
    window.timeline.set_range(0.1, 0.5)
    qtbot.waitUntil(lambda: bool(summary_gate.calls), timeout=5000)  # the first is being computed
    window.timeline.set_range(0.8, 1.4)
    summary_gate.open()
    qtbot.waitUntil(lambda: not window.summary.pending, timeout=5000)
    qtbot.wait(200)  # a stale result would arrive by now

    first, second = _numbers_for(window, (0.1, 0.5)), _numbers_for(window, (0.8, 1.4))
    assert first["left_knee"]["range"] != pytest.approx(second["left_knee"]["range"])
    assert len(delivered) == 1  # the first request's result was dropped
    _assert_shows(window, second)
    assert window.summary.scope.text() == "0.80 s to 1.40 s"


def _swap(window, a, b):
    menu = window.identities.person_menu(a)
    swap_menu = next(act.menu() for act in menu.actions() if act.text().startswith(f"Swap id #{a}"))
    next(act for act in swap_menu.actions() if act.text() == f"#{b}").trigger()
    menu.close()


@pytest.mark.slow
def test_identity_fixes_are_saved_off_the_gui_thread_newest_last_and_failures_are_reported(
        make_window, analyse_with, qtbot, videos_dir, save_gate, monkeypatch, caplog):
    window = make_window()
    clip = videos_dir / GYM
    result = analyse_with(window, clip, "movenet-multipose")
    before = result.person_ids.copy()
    both = [f for f in range(result.frame_count) if (before[f] >= 0).sum() >= 2]
    assert both, "the gym clip should show two people at once"
    frame = both[len(both) // 2]
    a, b = (int(i) for i in before[frame][before[frame] >= 0][:2])
    window.playback.seek(frame)
    qtbot.waitUntil(lambda: window.playback.index == frame, timeout=5000)
    cache = core_analysis.cached_result_path(result.fingerprint, result.model_id)
    save_gate.calls.clear()

    # three quick fixes while the first save is held: the file ends with the newest state
    save_gate.close()
    _swap(window, a, b)
    once = window.session.result.person_ids.copy()
    assert not np.array_equal(once, before)
    qtbot.waitUntil(lambda: bool(save_gate.calls), timeout=5000)  # the first save is under way
    assert window.edit_saver.pending
    _swap(window, a, b)   # back to the original ids
    _swap(window, a, b)   # and swapped again: the newest state
    newest = window.session.result.person_ids.copy()
    np.testing.assert_array_equal(newest, once)
    save_gate.open()
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=10000)
    gui = threading.get_ident()
    assert all(ident != gui for ident, _ in save_gate.calls)
    assert save_gate.calls[-1][1][0] is window.session.result   # the last write is the newest state
    assert len(save_gate.calls) == 2                     # the middle state was superseded, never written
    np.testing.assert_array_equal(load_cached(str(clip), "movenet-multipose").person_ids, newest)

    # a save that fails: one sentence in the status bar, the traceback in the log
    def full_disk(_result):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(core_analysis, "save_cached", full_disk)
    with caplog.at_level(logging.ERROR):
        window.undo_action.trigger()
        np.testing.assert_array_equal(window.session.result.person_ids, before)  # undo shows at once
        qtbot.waitUntil(lambda: "could not be saved" in window.statusBar().currentMessage(), timeout=10000)
    message = window.statusBar().currentMessage()
    assert message.count(". ") == 0 and message.endswith(".") and "No space left on device" in message
    assert any(r.exc_info and "No space left" in str(r.exc_info[1]) for r in caplog.records)
    np.testing.assert_array_equal(load_cached(str(clip), "movenet-multipose").person_ids, newest)  # untouched

    # closing the window while a save is held waits for it: the file holds the last state, complete
    monkeypatch.setattr(core_analysis, "save_cached", save_gate)
    save_gate.close()
    _swap(window, a, b)
    closing_state = window.session.result.person_ids.copy()
    qtbot.waitUntil(lambda: window.edit_saver.pending and bool(save_gate.calls), timeout=5000)
    threading.Timer(0.5, save_gate.open).start()
    window.close()
    assert not window.edit_saver.pending
    assert cache.is_file()
    np.testing.assert_array_equal(load_cached(str(clip), "movenet-multipose").person_ids, closing_state)
