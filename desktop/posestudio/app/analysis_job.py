"""The analysis a TaskThread runs (posestudio.app.workers): the per-user cache first, else
posestudio.core.analysis.run with progress, cancel and partial results; the result is cached for next time."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


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


class _TappedSource:
    """A VideoSource whose sequential frames are also handed to `tap(index, frame)`, on the thread that
    decodes them for the analysis (the window keeps the ones it is about to show instead of decoding them
    again). A failing tap is logged once and dropped: it must never stop the analysis."""

    def __init__(self, source, tap):
        self._source, self._tap = source, tap

    def __getattr__(self, name):
        return getattr(self._source, name)

    def frames(self, *args, **kwargs):
        # not a generator itself: arguments the source does not take fail here, at the call, as they would
        # on the source (core.analysis.run asks for lazy frames and falls back on TypeError)
        return self._tapped(self._source.frames(*args, **kwargs))

    def _tapped(self, inner):
        try:
            for item in inner:
                if self._tap is not None:
                    try:
                        self._tap(item[0], item[2])
                    except Exception:
                        log.warning("Handing decoded frames to the display failed; it decodes its own",
                                    exc_info=True)
                        self._tap = None
                yield item
        finally:
            inner.close()


class _Fingerprint:
    """What load_cached reads from a source: only its fingerprint."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint


def analysis_job(path: str, model_id: str, fingerprint: str | None = None, people: int | None = None,
                 on_decoded=None):
    """job(progress, cancel, partial) -> Analysed. `fingerprint` is known from the opened clip, so the cache
    lookup need not reopen the file; `people`: how many BlazePose follows (None: the model's own number);
    on_decoded(index, rgb): each frame as the analysis decodes it, on its decode thread."""

    def job(progress, cancel, partial):
        from posestudio.core.analysis import cache, run

        cached = cache.load_cached(_Fingerprint(fingerprint) if fingerprint else str(path), model_id, people)
        if cached is not None and bool(np.all(cached.analysed)):
            progress(cached.frame_count, cached.frame_count)
            return Analysed(cached, True)
        make = new_frames_maker()
        source = str(path)
        if on_decoded is not None:
            from posestudio.core.video.source import VideoSource

            source = _TappedSource(VideoSource(str(path)), on_decoded)
        try:
            result = run.analyse_video(source, model_id, progress=progress, cancel=cancel, people=people,
                                       on_frames=lambda r, _start, stop: partial(lambda: make(r, stop)))
        finally:
            if on_decoded is not None:
                source.close()
        # a cache file already there was stale or unreadable (else it was returned above): replace it; one
        # we cannot write costs time next time, nothing else (logged)
        cache.save_cached_or_warn(result)
        return Analysed(result, False)

    return job
