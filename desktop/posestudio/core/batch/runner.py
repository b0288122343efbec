"""Run the tasks: on Dask (a LocalCluster, or the cluster behind a scheduler address), or without Dask on a
standard-library process pool. Every finished task's record goes to `on_record` as it arrives.

Dask reschedules the tasks of a worker that dies; a task whose workers died `allowed-failures` times (3 by
default) comes back as KilledWorker and is recorded as failed, so the run still ends.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
from concurrent.futures.process import BrokenProcessPool
import importlib.util
import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path
from typing import Callable

from posestudio.core.batch.one_core import pin_blas_env
from posestudio.core.batch.plan import Settings, Task
from posestudio.core.batch.records import write_record
from posestudio.core.batch.task import failed_record, run_video
from posestudio.core.errors import PoseStudioError

log = logging.getLogger(__name__)

OnRecord = Callable[[dict], None]


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def local_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _lost(task: Task, settings: Settings, out_dir: str, exc: BaseException) -> dict:
    """The record of a task that came back without one (its workers died, or it could not be run)."""
    log.error("batch: %s was lost", task.video, exc_info=exc)
    if type(exc).__name__ == "KilledWorker":
        reason = ("The worker processes analysing it died several times (out of memory or killed); "
                  "see the Dask worker logs.")
    elif isinstance(exc, BrokenProcessPool):
        reason = ("A worker process died while this video waited or ran (out of memory or killed); "
                  "run the batch again to redo it.")
    else:
        reason = f"The task could not be run ({type(exc).__name__}: {exc}); see the log."
    record = failed_record(task, settings, reason)
    write_record(Path(out_dir), record)
    return record


def run_dask(tasks: list[Task], settings: Settings, out_dir: str, on_record: OnRecord, *,
             workers: int | None = None, scheduler: str | None = None) -> None:
    """Run on the Dask cluster at `scheduler`, or on a LocalCluster of `workers` single-threaded processes."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise PoseStudioError(f"Cannot reach the Dask scheduler at {scheduler} ({exc}); check the address "
                                      "and that the scheduler is running.") from None
        else:
            # dashboard on a free port: a fixed one clashes with any other Dask on the machine
            with _sigint_ignored():  # Ctrl+C reaches the whole process group: only this process handles it
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
            client = Client(cluster)
        try:
            # the settings key in the task key: two runs sharing a cluster never share a task by accident
            futures = {client.submit(run_video, t, settings, out_dir, key=f"posestudio-{t.name}-{settings.key[:10]}",
                                     pure=False): t for t in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # KilledWorker, a worker without posestudio, a lost scheduler...
                    record = _lost(task, settings, out_dir, exc)
                future.release()
                on_record(record)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _sigint_ignored():
    """Worker processes started inside inherit SIGINT ignored (Python keeps an ignored SIGINT ignored), so a
    Ctrl+C in the terminal stops the run here, which closes the cluster, instead of each worker printing a
    traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_pool(tasks: list[Task], settings: Settings, out_dir: str, on_record: OnRecord, *, workers: int) -> None:
    """Without Dask: one process per core from the standard library (a worker that dies fails its tasks)."""
    # spawn: a clean interpreter per worker, as on Windows and macOS, with no inherited threads or sessions
    # the initializer runs before the worker imports numpy, so its BLAS keeps to one thread
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=pin_blas_env)
    try:
        futures = {pool.submit(run_video, t, settings, out_dir): t for t in tasks}
        for future in cf.as_completed(futures):
            try:
                record = future.result()
            except Exception as exc:  # BrokenProcessPool: a worker process died
                record = _lost(futures[future], settings, out_dir, exc)
            on_record(record)
    except BaseException:  # Ctrl+C: the workers would otherwise go on with the videos already queued to them
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def describe(workers: int, scheduler: str | None) -> str:
    """How run_tasks will run, in words (for the manifest and the first progress line)."""
    if scheduler:
        return f"Dask scheduler {scheduler}"
    if dask_available():
        return f"Dask LocalCluster, {workers} worker process{'es' if workers != 1 else ''}"
    return f"process pool, {workers} worker process{'es' if workers != 1 else ''} (Dask not installed)"


def run_tasks(tasks: list[Task], settings: Settings, out_dir: str, on_record: OnRecord, *,
              workers: int, scheduler: str | None = None) -> None:
    """Run every task. A scheduler address needs Dask; locally Dask's LocalCluster is used when installed,
    else the process pool."""
    if scheduler and not dask_available():
        raise PoseStudioError("--scheduler needs Dask; install it with pip install 'posestudio[cluster]'.")
    if scheduler or dask_available():
        return run_dask(tasks, settings, out_dir, on_record, workers=workers, scheduler=scheduler)
    return run_pool(tasks, settings, out_dir, on_record, workers=workers)
