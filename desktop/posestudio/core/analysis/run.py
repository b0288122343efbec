"""Analyse a whole video: a decode thread feeds a bounded queue, the model runs on the calling thread;
or, where that pays (segments.plan), two such pairs on two segments of the clip at once (segments.py).

Decoding (PyAV releases the GIL) and inference (onnxruntime releases it too) overlap, and at most
QUEUE_FRAMES decoded frames per decoder exist at once, so memory stays bounded however long the video is.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from posestudio.core.errors import Cancelled
from posestudio.core.analysis.body import torso_colours as tracker_colours
from posestudio.core.analysis import segments
from posestudio.core.analysis.frame_feed import END, QUEUE_FRAMES, Decoder, finish, next_frame, open_frames
from posestudio.core.analysis.identities import PersonTracker
from posestudio.core.analysis.single_person import SinglePersonTracker
from posestudio.core.models.pose import PoseEstimator, create_estimator
from posestudio.core.analysis.result import AnalysisResult

log = logging.getLogger(__name__)

__all__ = ["AnalysisResult", "analyse_video"]

PARTIAL_EVERY_S = 0.25          # on_frames at most this often (and at the end)


def _make_tracker(max_people: int, fps: float, frame_size: tuple[int, int]):
    """Stable person ids: PersonTracker for multi-person models; for single-person ones a new id whenever the
    model hops to someone else, so one id's curves never join two people."""
    if max_people <= 1:
        return SinglePersonTracker()
    return PersonTracker(fps=fps, frame_size=frame_size)


def _open(path_or_source):
    from posestudio.core.video.source import VideoSource

    if isinstance(path_or_source, (str, Path)):
        return VideoSource(path_or_source), True
    return path_or_source, False


def analyse_video(path_or_source, model_id: str, *, progress: Callable[[int, int], None] | None = None,
                  cancel: threading.Event | None = None,
                  on_frames: Callable[[AnalysisResult, int, int], None] | None = None,
                  estimator: PoseEstimator | None = None, people: int | None = None,
                  two_segments: bool = True) -> AnalysisResult:
    """Run `model_id` on every frame. A VideoSource passed in is read through its own sequential reader
    (`frames()`), so the caller may keep using `frame_at` on it; a path is opened (and closed) here.

    progress(done, total) after every frame; on_frames(result, start, stop) with the partial result every
    few frames; cancel set => raises Cancelled within about a frame's time, the decode thread stopped.
    people: the most people to follow (create_estimator's; ignored when `estimator` is given).
    two_segments: where it pays, analyse the clip as two segments at once (core.analysis.segments, which
    says when it does not; the log says which); False: always one decoder and the model on this thread.
    """
    source, owned = _open(path_or_source)
    try:
        return _analyse(source, model_id, progress, cancel, on_frames,
                        estimator or create_estimator(model_id, people=people), two_segments)
    finally:
        if owned:
            source.close()


def _analyse(source, model_id, progress, cancel, on_frames, estimator, two_segments) -> AnalysisResult:
    estimator.reset()
    estimator.frame_rate = float(source.fps) or None
    kset = estimator.keypoint_set
    total = int(source.frame_count)
    result = AnalysisResult.empty(
        total, estimator.max_people, kset.names, with_world=kset.name == "blazepose33",
        model_id=model_id, keypoint_set=kset.name, video_path=str(source.path), fingerprint=source.fingerprint,
        width=int(source.width), height=int(source.height), fps=float(source.fps), note=source.note,
    )
    tracker = _make_tracker(estimator.max_people, float(source.fps), (int(source.width), int(source.height)))
    chosen = segments.plan(source, estimator, total) if two_segments else "not asked for"
    if isinstance(chosen, str):
        log.info("%s: analysed sequentially: %s", source.path, chosen)
        last_partial_i = _sequential(source, result, estimator, tracker, progress, cancel, on_frames)
    else:
        twins, split = chosen
        last_partial_i = segments.run_segments(source, result, twins, split, tracker, progress, cancel, on_frames,
                                               _store, _grow, PARTIAL_EVERY_S)
    decoded = int(np.flatnonzero(result.analysed)[-1]) + 1 if result.analysed.any() else 0
    if decoded != len(result.analysed):
        log.info("%s: %d frames announced, %d decoded", source.path, total, decoded)
        result.truncate(decoded)
    result.note = getattr(source, "note", None) or result.note
    if on_frames is not None and last_partial_i < result.frame_count:
        on_frames(result, last_partial_i, result.frame_count)
    return result


def _frames(source, lazy: bool):
    """The sequential decode thread's frames (a test replaces this to compare Frames with RGB arrays)."""
    return open_frames(source, lazy=lazy)


def _sequential(source, result, estimator, tracker, progress, cancel, on_frames) -> int:
    """One decode thread, the model on this thread; returns the end of the last partial result sent."""
    total = len(result.analysed)
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    lazy = estimator.crops_from_planes
    decoder = Decoder(source, frames, lambda: _frames(source, lazy))
    decoder.start()
    done = 0
    last_partial_t, last_partial_i = time.monotonic(), 0
    stopped = (lambda: cancel.is_set()) if cancel is not None else (lambda: False)
    try:
        while True:
            item = next_frame(frames, decoder, stopped)
            if item is None:
                raise Cancelled("The analysis")
            if item is END:
                break
            index, t, rgb = item  # rgb: an (H, W, 3) array or a video Frame (its .rgb is the array)
            if index >= len(result.analysed):  # more frames than announced: grow rather than drop them
                _grow(result, max(index + 1, 2 * len(result.analysed)))
            people = estimator.estimate(rgb)[: result.max_people]
            # Torso colours tell apart players who cross or hide behind each other, and a single-person
            # model's slide from one player onto another who overlaps them.
            looks = tracker_colours(rgb, [p.keypoints for p in people], [p.box for p in people])
            _store(result, index, t, people, tracker, looks)
            done += 1
            if progress is not None:
                progress(done, max(total, done))
            now = time.monotonic()
            if on_frames is not None and now - last_partial_t >= PARTIAL_EVERY_S:
                on_frames(result, last_partial_i, index + 1)
                last_partial_t, last_partial_i = now, index + 1
    finally:
        finish(decoder, frames)
    return last_partial_i


def _grow(result: AnalysisResult, frames: int) -> None:
    extra = frames - len(result.analysed)
    for name, fill in (("keypoints", np.nan), ("person_scores", np.nan), ("person_ids", -1), ("world", np.nan),
                       ("timestamps", np.nan), ("analysed", False)):
        value = getattr(result, name)
        if value is None:
            continue
        pad = np.full((extra,) + value.shape[1:], fill, dtype=value.dtype)
        setattr(result, name, np.concatenate([value, pad]))
    result.frame_count = frames


def _store(result: AnalysisResult, index: int, t: float, people, tracker, looks) -> None:
    result.timestamps[index] = t
    kps, boxes = [p.keypoints for p in people], [p.box for p in people]
    ids = [int(i) for i in tracker.update(kps, boxes, t, appearance=looks)]
    for slot, (person, pid) in enumerate(zip(people, ids)):
        result.put_person(index, slot, person, pid)
    result.analysed[index] = True
