"""The analysis a TaskThread runs (posestudio.app.workers): the per-user cache first, else
posestudio.core.analysis.run with progress, cancel and partial results; the result is cached for next time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Analysed:
    result: object        # AnalysisResult, every frame
    from_cache: bool


GROWING_FIELDS = ("keypoints", "person_scores", "person_ids", "world", "timestamps", "analysed")


def snapshot(result):
    """A copy the GUI can read while the worker keeps filling the original."""
    fields = {name: getattr(result, name).copy() for name in GROWING_FIELDS if getattr(result, name) is not None}
    return dataclasses.replace(result, **fields)


@dataclass(frozen=True)
class NewFrames:
    """A partial result: frames [start, stop) analysed since the last one sent. The first (and any after the
    worker's arrays grew) carries the whole result; the others only copies of the new rows, so what crosses
    threads and what the GUI copies is proportional to the new frames, not to the clip."""

    start: int
    stop: int
    whole: object = None                        # AnalysisResult snapshot, or None
    rows: dict = dataclasses.field(default_factory=dict)   # field name -> rows [start, stop)

    def apply_to(self, result) -> None:
        """Write the rows into the GUI's copy (the `analysed` flags last: a reader never sees a flag without
        its keypoints)."""
        for name, rows in self.rows.items():
            if name != "analysed":
                getattr(result, name)[self.start:self.stop] = rows
        result.analysed[self.start:self.stop] = self.rows["analysed"]


def new_frames_maker():
    """make(result, stop) -> NewFrames since the previous call (only called when a partial is sent)."""
    sent = {"stop": 0, "length": -1}

    def make(result, stop: int) -> NewFrames:
        start, length = sent["stop"], len(result.analysed)
        sent["stop"] = stop
        if start == 0 or length != sent["length"]:
            sent["length"] = length
            return NewFrames(0, stop, whole=snapshot(result))
        rows = {name: getattr(result, name)[start:stop].copy()
                for name in GROWING_FIELDS if getattr(result, name) is not None}
        return NewFrames(start, stop, rows=rows)

    return make


class _Fingerprint:
    """What load_cached reads from a source: only its fingerprint."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint


def analysis_job(path: str, model_id: str, fingerprint: str | None = None, people: int | None = None):
    """job(progress, cancel, partial) -> Analysed. `fingerprint` is known from the opened clip, so the cache
    lookup need not reopen the file; `people`: how many BlazePose follows (None: the model's own number)."""

    def job(progress, cancel, partial):
        from posestudio.core.analysis import cache, run

        cached = cache.load_cached(_Fingerprint(fingerprint) if fingerprint else str(path), model_id, people)
        if cached is not None and bool(np.all(cached.analysed)):
            progress(cached.frame_count, cached.frame_count)
            return Analysed(cached, True)
        make = new_frames_maker()
        result = run.analyse_video(str(path), model_id, progress=progress, cancel=cancel, people=people,
                                   on_frames=lambda r, _start, stop: partial(lambda: make(r, stop)))
        # a cache file already there was stale or unreadable (else it was returned above): replace it; one
        # we cannot write costs time next time, nothing else (logged)
        cache.save_cached_or_warn(result)
        return Analysed(result, False)

    return job
