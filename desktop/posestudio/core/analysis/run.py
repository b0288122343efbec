"""Analyse a whole video: a decode thread feeds a bounded queue, the model runs on the calling thread.

Decoding (PyAV releases the GIL) and inference (onnxruntime releases it too) overlap, and at most
QUEUE_FRAMES decoded frames exist at once, so memory stays bounded however long the video is.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from posestudio.core.errors import Cancelled, PoseStudioError
from posestudio.core.analysis.body import torso_colours as tracker_colours
from posestudio.core.analysis.identities import PersonTracker
from posestudio.core.analysis.single_person import SinglePersonTracker
from posestudio.core.models.pose import PoseEstimator, create_estimator
from posestudio.core.analysis.result import AnalysisResult

log = logging.getLogger(__name__)

__all__ = ["AnalysisResult", "analyse_video"]

QUEUE_FRAMES = 8
PARTIAL_EVERY_S = 0.25          # on_frames at most this often (and at the end)
_POLL_S = 0.05                  # how often a blocked queue operation looks at the cancel flag
_END = object()


class _Decoder(threading.Thread):
    """Reads frames into a bounded queue until the end, an error, or `stop` is set."""

    def __init__(self, source, out: queue.Queue, lazy: bool):
        super().__init__(name="posestudio-decode", daemon=True)
        self.source, self.out, self.stop, self.lazy = source, out, threading.Event(), lazy

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        frames = _frames(self.source) if self.lazy else self.source.frames()
        try:
            for item in frames:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it on its own thread
            log.exception("decoding failed")
            self._put(exc)
        finally:
            frames.close()  # closes the decoder now, not whenever the generator is collected


def _frames(source):
    """The source's frames as video Frames, which BlazePose crops from the decoder's YUV: converting whole
    frames to RGB here took CPU from the model on two cores. Sources without them yield RGB arrays. Models
    that need the whole RGB frame get it from the decode thread instead, beside the model."""
    try:
        return source.frames(lazy=True)
    except TypeError:  # a stand-in source (tests, wrappers) whose frames() takes no `lazy`
        return source.frames()


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
                  estimator: PoseEstimator | None = None, people: int | None = None) -> AnalysisResult:
    """Run `model_id` on every frame. A VideoSource passed in is read through its own sequential reader
    (`frames()`), so the caller may keep using `frame_at` on it; a path is opened (and closed) here.

    progress(done, total) after every frame; on_frames(result, start, stop) with the partial result every
    few frames; cancel set => raises Cancelled within about a frame's time, the decode thread stopped.
    people: the most people to follow (create_estimator's; ignored when `estimator` is given).
    """
    source, owned = _open(path_or_source)
    try:
        return _analyse(source, model_id, progress, cancel, on_frames,
                        estimator or create_estimator(model_id, people=people))
    finally:
        if owned:
            source.close()


def _analyse(source, model_id, progress, cancel, on_frames, estimator) -> AnalysisResult:
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
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    decoder = _Decoder(source, frames, lazy=estimator.crops_from_planes)
    decoder.start()
    done = 0
    last_partial_t, last_partial_i = time.monotonic(), 0
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("The analysis")
            try:
                item = frames.get(timeout=_POLL_S)
            except queue.Empty:
                if not decoder.is_alive() and frames.empty():
                    raise PoseStudioError("The video stopped decoding unexpectedly; see the log for details.")
                continue
            if item is _END:
                break
            if isinstance(item, BaseException):
                if isinstance(item, PoseStudioError):
                    raise item
                raise PoseStudioError(f"Decoding {source.path.name} failed part-way; see the log for details.") \
                    from item
            index, t, rgb = item  # rgb: an (H, W, 3) array or a video Frame (its .rgb is the array)
            if index >= len(result.analysed):  # more frames than announced: grow rather than drop them
                _grow(result, max(index + 1, 2 * len(result.analysed)))
            people = estimator.estimate(rgb)[: result.max_people]
            _store(result, index, t, people, tracker, rgb)
            done += 1
            if progress is not None:
                progress(done, max(total, done))
            now = time.monotonic()
            if on_frames is not None and now - last_partial_t >= PARTIAL_EVERY_S:
                on_frames(result, last_partial_i, index + 1)
                last_partial_t, last_partial_i = now, index + 1
    finally:
        decoder.stop.set()
        _drain(frames)
        decoder.join(timeout=2.0)
        if decoder.is_alive():
            log.warning("decode thread still running after the analysis ended")
    decoded = int(np.flatnonzero(result.analysed)[-1]) + 1 if result.analysed.any() else 0
    if decoded != len(result.analysed):
        log.info("%s: %d frames announced, %d decoded", source.path, total, decoded)
        result.truncate(decoded)
    result.note = getattr(source, "note", None) or result.note
    if on_frames is not None and last_partial_i < result.frame_count:
        on_frames(result, last_partial_i, result.frame_count)
    return result


def _drain(q: queue.Queue) -> None:
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass


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


def _store(result: AnalysisResult, index: int, t: float, people, tracker, rgb: np.ndarray) -> None:
    result.timestamps[index] = t
    kps, boxes = [p.keypoints for p in people], [p.box for p in people]
    # Torso colours tell apart players who cross or hide behind each other, and a single-person model's
    # slide from one player onto another who overlaps them.
    ids = [int(i) for i in tracker.update(kps, boxes, t, appearance=tracker_colours(rgb, kps, boxes))]
    for slot, (person, pid) in enumerate(zip(people, ids)):
        result.put_person(index, slot, person, pid)
    result.analysed[index] = True
