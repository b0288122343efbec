"""The window's analysis job keeps its result when the cache cannot be written (a full disk): one warning
sentence naming what it costs, in the log, not an error."""

from __future__ import annotations

import errno
import logging
import threading

import numpy as np

from posestudio.app.analysis_job import analysis_job
from posestudio.core.analysis import cache

RUNNING = "sports2d_demo3_running_side.mp4"   # 47 frames: the shortest real clip
MODEL = "movenet-lightning"


def test_full_disk_keeps_the_result_and_warns_once(videos_dir, require_model, monkeypatch, caplog):
    require_model(MODEL)

    def full_disk(_result):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache, "save_cached", full_disk)
    job = analysis_job(str(videos_dir / RUNNING), MODEL)
    with caplog.at_level(logging.WARNING):
        done = job(lambda _done, _total: None, threading.Event(), lambda _make: None)
    assert done.result.frame_count == 47 and bool(np.all(done.result.analysed))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "analyse it again" in warnings[0] and "No space left on device" in warnings[0]
