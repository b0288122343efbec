"""The task one worker runs for one video: analyse, write, record. It never raises for a bad video.

Each worker thread keeps its estimator (one onnxruntime session) for all its videos: loading a model costs
a fraction of a second and tens of MB, a video only resets the estimator's tracking state.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

from posestudio.core.batch.one_core import pin_pools
from posestudio.core.batch.pipeline import analyse_one, create_estimator
from posestudio.core.batch.plan import Settings, Task
from posestudio.core.batch.records import remove_stale_temporaries, write_record
from posestudio.core.errors import PoseStudioError
from posestudio.core.logs import log_file, setup_logging

log = logging.getLogger(__name__)

_local = threading.local()   # per worker thread: (model, threads) -> estimator, one at a time
_loads = 0                   # models this process has loaded (in each record, so tests can check the reuse)


def _estimator(settings: Settings):
    global _loads
    key = (settings.model, settings.threads, settings.people)
    held = getattr(_local, "estimator", None)
    if held is None or held[0] != key:
        _local.estimator = None  # let the old session go before loading another model
        _local.estimator = (key, create_estimator(settings.model, threads=settings.threads,
                                                   people=settings.people))
        _loads += 1
    return _local.estimator[1]


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)  # Linux: kB


def failed_record(task: Task, settings: Settings, reason: str) -> dict:
    return {"video": task.video, "name": task.name, "index": task.index, "settings_key": settings.key,
            "status": "failed", "reason": reason}


def run_video(task: Task, settings: Settings, out_dir: str) -> dict:
    """Analyse one video into out_dir and write its record; returns the record (status done or failed)."""
    setup_logging()
    if settings.threads == 1:  # one worker per core: keep to it (one_core.py says why)
        pin_pools()
    began, cpu_began = time.perf_counter(), time.process_time()
    out = Path(out_dir)
    record = {"video": task.video, "name": task.name, "index": task.index, "settings_key": settings.key,
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        st = os.stat(task.video)
        record.update(size=st.st_size, mtime_ns=st.st_mtime_ns)
    except OSError:
        pass  # the analysis below says what is wrong with the path
    try:
        remove_stale_temporaries(out, task.name)
        record.update(analyse_one(Path(task.video), out, task.name, settings, _estimator(settings)))
        record["status"] = "done"
    except PoseStudioError as exc:
        log.warning("batch: %s failed", task.video, exc_info=True)
        record.update(status="failed", reason=str(exc))
    except Exception as exc:  # one broken video must not stop the batch; the log has the traceback
        log.exception("batch: unexpected error on %s", task.video)
        record.update(status="failed", reason=f"Unexpected error ({type(exc).__name__}: {exc}); the traceback "
                                              f"is in {log_file()} on {socket.gethostname()}.")
    record["seconds"] = round(time.perf_counter() - began, 3)
    # CPU time of this process (all its threads: decode, inference): what the video costs on an idle core
    record["cpu_seconds"] = round(time.process_time() - cpu_began, 3)
    record["peak_rss_mb"] = _peak_rss_mb()
    record["model_loads"] = _loads
    write_record(out, record)
    return record
