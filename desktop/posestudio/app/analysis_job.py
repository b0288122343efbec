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


def snapshot(result):
    """A copy the GUI can read while the worker keeps filling the original."""
    fields = {"keypoints": result.keypoints.copy(), "person_scores": result.person_scores.copy(),
              "person_ids": result.person_ids.copy(), "analysed": result.analysed.copy()}
    if result.world is not None:
        fields["world"] = result.world.copy()
    return dataclasses.replace(result, **fields)


class _Fingerprint:
    """What load_cached reads from a source: only its fingerprint."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint


def analysis_job(path: str, model_id: str, fingerprint: str | None = None):
    """job(progress, cancel, partial) -> Analysed. `fingerprint` is known from the opened clip, so the cache
    lookup need not reopen the file."""

    def job(progress, cancel, partial):
        from posestudio.core.analysis import cache, run

        cached = cache.load_cached(_Fingerprint(fingerprint) if fingerprint else str(path), model_id)
        if cached is not None and bool(np.all(cached.analysed)):
            progress(cached.frame_count, cached.frame_count)
            return Analysed(cached, True)
        result = run.analyse_video(str(path), model_id, progress=progress, cancel=cancel,
                                   on_frames=lambda r, _start, _stop: partial(lambda: snapshot(r)))
        try:  # a cache file already there was stale or unreadable (else it was returned above): replace it
            cache.save_cached(result)
        except Exception:  # a cache we cannot write costs time next time, nothing else
            log.warning("Could not save the analysis to the cache", exc_info=True)
        return Analysed(result, False)

    return job
