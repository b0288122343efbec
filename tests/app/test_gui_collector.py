"""While a window is open, Python's cyclic collections run only on the GUI thread: one on a worker that frees a
Qt object's wrapper deadlocks the window (seen hanging a test about one run in ten)."""

from __future__ import annotations

import gc
import threading
import weakref

from posestudio.app.gui_collector import generation_due

THRESHOLDS = (700, 10, 10)


def test_the_generation_due_follows_the_interpreters_thresholds():
    assert generation_due((700, 3, 3), THRESHOLDS) is None      # not past the first threshold yet
    assert generation_due((701, 3, 3), THRESHOLDS) == 0
    assert generation_due((701, 11, 3), THRESHOLDS) == 1
    assert generation_due((701, 11, 11), THRESHOLDS) == 2
    assert generation_due((701, 0, 11), THRESHOLDS) == 2
    assert generation_due((5000, 11, 11), (0, 10, 10)) is None  # a threshold of 0 turns collection off


class _Cycle:
    def __init__(self):
        self.me = self


def test_garbage_made_on_a_worker_is_collected_on_the_gui_thread_and_automatic_collection_returns(window, qtbot):
    assert not gc.isenabled()
    threads = []

    def note(phase, info):
        if phase == "start":
            threads.append(threading.get_ident())

    kept = []

    def make_garbage():
        for _ in range(20):
            cycle = _Cycle()
            kept.append(weakref.ref(cycle))
            del cycle
            [_Cycle() for _ in range(500)]   # allocations enough to pass the first threshold many times over

    gc.callbacks.append(note)
    try:
        worker = threading.Thread(target=make_garbage)
        worker.start()
        worker.join()
        assert all(ref() is not None for ref in kept), "a collection ran on the worker"
        qtbot.waitUntil(lambda: all(ref() is None for ref in kept), timeout=3000)
    finally:
        gc.callbacks.remove(note)
    assert threads and set(threads) == {threading.main_thread().ident}

    window.close()
    assert gc.isenabled()
