"""The analysis an export draws: the cached one when it exists, else a fresh run that is then cached."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def analysis_for(source, model_id: str, progress=None, cancel=None):
    """The cached analysis of `source` (VideoSource) with `model_id`, else analyse now and save it to the cache."""
    from posestudio.core.analysis.run import analyse_video, load_cached, save_cached

    result = load_cached(source, model_id)
    if result is not None:
        return result
    result = analyse_video(source, model_id, progress=progress, cancel=cancel)
    try:
        save_cached(result)
    except OSError:  # a read-only cache only costs speed next time
        log.warning("cannot cache the analysis of %s", source.path, exc_info=True)
    return result
