"""Hand edits are saved once they pause (issue 14): a burst of drags costs one write of the newest state, and
nothing is lost: closing the window, opening a clip again or analysing again writes a held edit first."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from posestudio.app.main_window import EDIT_SAVE_QUIET_MS
from posestudio.app.workers import Workers
from posestudio.core.analysis import cache as core_cache
from posestudio.core.analysis.cache import load_cached

RUNNING = "sports2d_demo3_running_side.mp4"   # 47 frames: analysed in a few seconds
MODEL = "movenet-lightning"


def test_a_quiet_saver_writes_the_newest_of_a_burst_once_and_wait_writes_a_held_state(qtbot):
    workers = Workers()
    written = []
    saver = workers.saver(lambda state: written.append((state, threading.get_ident())), "quiet", quiet_ms=300)
    for state in ("one", "two", "three"):
        saver.save(state)
        qtbot.wait(50)    # each save restarts the quiet period
    assert written == [] and saver.pending
    qtbot.waitUntil(lambda: not saver.pending, timeout=5000)
    assert [s for s, _ in written] == ["three"]
    assert written[0][1] != threading.get_ident()   # written on the saver's thread
    saver.save("four")
    assert workers.stop_all(5000)   # closing writes the held state (no event loop ran: not the timer)
    assert [s for s, _ in written] == ["three", "four"] and not saver.pending


def test_without_a_quiet_period_each_save_starts_at_once(qtbot):
    workers = Workers()
    written = []
    saver = workers.saver(written.append, "plain")
    saver.save("now")
    qtbot.waitUntil(lambda: written == ["now"], timeout=2000)   # no timer involved (2 s < any quiet period)
    assert not saver.pending and workers.stop_all(1000)


@pytest.fixture
def save_calls(monkeypatch):
    """Every save_cached of the cache module, recorded (the edit saver goes through it), then really done."""
    calls = []
    real = core_cache.save_cached

    def record(result):
        calls.append(result)
        return real(result)

    monkeypatch.setattr(core_cache, "save_cached", record)
    return calls


def _edit(window, frame: int, dy: float):
    """Move the left wrist of the followed person in `frame` by dy pixels, as a drag on the video does."""
    s = window.session
    pid = s.angle_data.person
    k = s.result.keypoint_names.index("left_wrist")
    slot = int(np.flatnonzero(s.result.person_ids[frame] == pid)[0])
    x, y = (float(v) for v in s.result.keypoints[frame, slot, k, :2])
    old = s.result
    assert window.corrections.move_keypoint(pid, k, x, y + dy, frame)
    assert s.result is not old
    return slot, k, y + dy


@pytest.mark.slow
def test_three_quick_drags_give_one_write_of_the_newest_state(make_window, analyse_with, videos_dir, qtbot,
                                                              save_calls):
    window = make_window()
    clip = videos_dir / RUNNING
    analyse_with(window, clip, MODEL)
    save_calls.clear()   # the analysis's own save
    edits = [_edit(window, frame, 12.0) for frame in (10, 20, 30)]
    assert window.edit_saver.pending and save_calls == []   # held for the quiet period
    qtbot.waitUntil(lambda: not window.edit_saver.pending, timeout=EDIT_SAVE_QUIET_MS + 10000)
    assert len(save_calls) == 1 and save_calls[0] is window.session.result
    saved = load_cached(str(clip), MODEL)
    for frame, (slot, k, y) in zip((10, 20, 30), edits):
        assert saved.manual[frame, slot, k] == 1
        assert saved.keypoints[frame, slot, k, 1] == pytest.approx(y, abs=1e-3)


@pytest.mark.slow
def test_closing_right_after_a_drag_writes_it(make_window, analyse_with, videos_dir, save_calls):
    window = make_window()
    clip = videos_dir / RUNNING
    analyse_with(window, clip, MODEL)
    slot, k, y = _edit(window, 15, -10.0)
    window.close()   # well inside the quiet period
    assert not window.edit_saver.pending
    saved = load_cached(str(clip), MODEL)
    assert saved.manual[15, slot, k] == 1 and saved.keypoints[15, slot, k, 1] == pytest.approx(y, abs=1e-3)


@pytest.mark.slow
def test_opening_the_clip_again_right_after_a_drag_finds_it(make_window, analyse_with, wait_analysed, open_clip,
                                                            videos_dir):
    window = make_window()
    clip = videos_dir / RUNNING
    analyse_with(window, clip, MODEL)
    slot, k, y = _edit(window, 25, 9.0)
    open_clip(window, clip)   # the reopened analysis reads the cache: the held edit is written before
    reopened = wait_analysed(window)
    assert reopened.manual[25, slot, k] == 1
    assert reopened.keypoints[25, slot, k, 1] == pytest.approx(y, abs=1e-3)
