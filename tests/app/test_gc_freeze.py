"""Full garbage collections on the GUI thread (issue 19): the start-up objects are frozen before the window
shows, so a later full collection scans only what the session made since, not the ~125k objects of start-up."""

from __future__ import annotations

import gc
import time
from types import SimpleNamespace

import pytest

from posestudio.app import main


@pytest.fixture
def unfreeze():
    yield
    gc.unfreeze()   # the other tests' collections as usual


def _full_collection_cpu_ms() -> float:
    best = float("inf")
    for _ in range(3):   # the least of three: CPU time, but caches and page faults vary
        start = time.thread_time()
        gc.collect()
        best = min(best, (time.thread_time() - start) * 1e3)
    return best


def test_a_full_collection_after_the_window_is_built_and_frozen_is_cheap(window, unfreeze):
    assert window.isVisible()
    before = _full_collection_cpu_ms()
    main.freeze_startup_objects()
    assert gc.get_freeze_count() > 50_000   # the imports and the window
    after = _full_collection_cpu_ms()
    assert after < before / 5, (before, after)


def test_run_freezes_the_start_up_objects_before_the_window_shows(monkeypatch, unfreeze):
    calls = []

    class FakeWindow:
        def __init__(self):
            self.status = SimpleNamespace(error=lambda *_: None)

        def show(self):
            calls.append(("show", gc.get_freeze_count()))

    import posestudio.app.errors as errors
    import posestudio.app.main_window as main_window

    monkeypatch.setattr(main_window, "MainWindow", FakeWindow)
    monkeypatch.setattr(errors, "install_excepthook", lambda *_: None)
    monkeypatch.setattr(main, "setup_logging", lambda: "log")
    monkeypatch.setattr(main, "make_app", lambda: SimpleNamespace(exec=lambda: 0))
    gc.unfreeze()
    assert main.run([]) == 0
    assert calls and calls[0][0] == "show" and calls[0][1] > 0   # frozen by the time it shows
