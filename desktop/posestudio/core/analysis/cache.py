"""Finished analyses kept per user, keyed by the video's content and the model: reopening a video is instant."""

from __future__ import annotations

import logging
from pathlib import Path

from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.analysis.result_file import ResultFileError, load_result, save_result
from posestudio.core.analysis.run import analyse_video
from posestudio.core.errors import OutputPathError
from posestudio.core.paths import cache_dir

log = logging.getLogger(__name__)

# Bump when the same video and model would now give different results (estimators, person ids), so cached
# analyses from older versions are redone rather than shown; files users saved themselves stay loadable.
ANALYSIS_REVISION = 4  # bumped: single-person hops told by size and clothes colour too


def cached_result_path(fingerprint: str, model_id: str, people: int | None = None) -> Path:
    """people None (the model's own number) keeps the names caches had before `--people` existed."""
    tag = "" if people is None else f"-people{int(people)}"
    return cache_dir() / "analyses" / f"{fingerprint}-{model_id}{tag}-r{ANALYSIS_REVISION}.npz"


def _people_key(model_id: str, max_people: int) -> int | None:
    """The cache's people tag for a result with `max_people` slots: None when that is the model's own number."""
    from posestudio.core.models.pose import MULTIPOSE_MAX

    if model_id == "movenet-multipose":
        max_people = min(max_people, MULTIPOSE_MAX)
        return None if max_people == MULTIPOSE_MAX else max_people
    return None if max_people == 1 else max_people


def save_cached(result: AnalysisResult) -> Path:
    people = _people_key(result.model_id, result.max_people)
    return save_result(result, cached_result_path(result.fingerprint, result.model_id, people))


def load_cached(source_or_path, model_id: str, people: int | None = None) -> AnalysisResult | None:
    """The saved complete analysis of this video with this model, or None (absent, stale, unreadable)."""
    if isinstance(source_or_path, (str, Path)):
        from posestudio.core.video.source import fingerprint as file_fingerprint

        # Only the fingerprint (size, head and tail) is needed; opening a VideoSource would index every packet.
        try:
            fingerprint = file_fingerprint(Path(source_or_path))
        except OSError:
            return None
    else:
        fingerprint = source_or_path.fingerprint
    people = None if people is None else _people_key(model_id, people)
    path = cached_result_path(fingerprint, model_id, people)
    if not path.is_file():
        return None
    try:
        result = load_result(path)  # checks the format version
    except ResultFileError:
        log.warning("ignoring unreadable cached analysis %s", path)
        return None
    if result.fingerprint != fingerprint or result.model_id != model_id or not result.complete:
        return None
    if _people_key(model_id, result.max_people) != people:  # a run for another number of people
        return None
    return result


def save_cached_or_warn(result: AnalysisResult) -> str | None:
    """Save `result` to the cache; a cache that cannot be written (full disk, no permission, a file in the
    way) only costs speed next time, so the failure is one warning sentence (logged and returned), not an error."""
    try:
        save_cached(result)
    except (OutputPathError, OSError) as exc:
        warning = f"The analysis was not saved to the cache, so reopening this video will analyse it again: {exc}"
        log.warning(warning, exc_info=True)
        return warning
    return None


def analysis_for(source, model_id: str, progress=None, cancel=None, warn=None,
                 people: int | None = None) -> AnalysisResult:
    """The cached analysis of `source` (VideoSource) with `model_id`, else analyse now and save it to the cache.
    warn(sentence): told when the cache cannot be written (the result is returned all the same).
    people: the most people to follow (see create_estimator); runs with different numbers are cached apart."""
    result = load_cached(source, model_id, people)
    if result is not None:
        return result
    result = analyse_video(source, model_id, progress=progress, cancel=cancel, people=people)
    warning = save_cached_or_warn(result)
    if warning and warn is not None:
        warn(warning)
    return result
