"""The app's one worker vocabulary: a task thread ends with exactly one signal, cancel and failures reach the
GUI as signals, the owner stops everything it made; and no other module in app/ starts threads."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from posestudio.app.workers import Workers
from posestudio.core.errors import Cancelled, PoseStudioError

APP = Path(__file__).resolve().parents[2] / "desktop" / "posestudio" / "app"


def _ends(task) -> list:
    ends = []
    task.completed.connect(lambda v: ends.append(("completed", v)))
    task.failed.connect(lambda s: ends.append(("failed", s)))
    task.cancelled.connect(lambda: ends.append(("cancelled", None)))
    return ends


def test_a_task_runs_off_the_gui_thread_reports_progress_and_ends_once(qtbot):
    workers = Workers()
    ran_on = []

    def job(progress, cancel):
        ran_on.append(threading.get_ident())
        for i in range(1, 6):
            progress(i, 5)
        return "written"

    task = workers.task(job, "test job")
    ends, progress = _ends(task), []
    task.progress.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    qtbot.wait(50)  # a second end signal would have arrived by now
    assert ends == [("completed", "written")]
    assert ran_on and ran_on[0] != threading.get_ident()
    assert progress[-1] == (5, 5)  # throttled, but the last step always arrives
    assert workers.stop_all(1000)


def test_cancel_and_failure_come_back_as_signals_with_one_sentence(qtbot):
    workers = Workers()
    started = threading.Event()

    def endless(progress, cancel):
        started.set()
        while not cancel.wait(0.01):
            pass
        raise Cancelled("stopped")

    task = workers.task(endless, "endless")
    ends = _ends(task)
    task.start()
    assert started.wait(5)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    qtbot.wait(20)
    assert ends == [("cancelled", None)]

    def broken(progress, cancel):
        raise PoseStudioError("The file is not a video.")

    bad = workers.task(broken, "broken")
    ends = _ends(bad)
    with qtbot.waitSignal(bad.finished, timeout=5000):
        bad.start()
    qtbot.wait(20)
    assert ends == [("failed", "The file is not a video.")]


def test_the_owner_stops_a_service_loop_and_waits_for_a_pending_save(qtbot):
    workers = Workers()
    stop = threading.Event()
    loop = workers.service(lambda: stop.wait(20), "loop", stop=stop.set)
    loop.start()
    written = []
    gate = threading.Event()
    saver = workers.saver(lambda state: (gate.wait(5), written.append(state)), "saver")
    saver.save("state 1")
    threading.Timer(0.3, gate.set).start()
    assert workers.stop_all(5000)
    assert not loop.thread.isRunning()
    assert written == ["state 1"] and not saver.pending


@pytest.mark.parametrize("path", sorted(APP.glob("*.py")), ids=lambda p: p.name)
def test_only_workers_starts_threads_and_nothing_holds_the_window(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\bself\.w\b", text), "a helper keeps the whole window"
    if path.name == "workers.py":
        return
    found = re.findall(r"\b(QThread|QThreadPool|QRunnable|threading\.Thread|concurrent\.futures)\b", text)
    assert not found, f"{path.name} starts threads itself ({', '.join(sorted(set(found)))}); use app/workers.py"
