"""Dask worker preload for the kill test (`dask worker --preload THIS`): the worker's batch task says it has
started (a file named after the worker's pid in $BATCH_TEST_HOLD_DIR) and then waits to be killed.

Only workers started with this preload hold; the code under test is untouched, the task function is
looked up by name on the worker, so it gets this wrapper.
"""

import os
import time
from pathlib import Path

import posestudio.core.batch.task as task

_run_video = task.run_video


def _held(batch_task, settings, out_dir):
    hold = Path(os.environ["BATCH_TEST_HOLD_DIR"])
    (hold / f"started-{os.getpid()}").write_text(batch_task.name)
    time.sleep(900)  # the test kills this process long before
    return _run_video(batch_task, settings, out_dir)


task.run_video = _held
