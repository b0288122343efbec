"""A seekable clip analysed as two segments at once, each decoded and run through its own one-thread
estimator on its own thread (the calling thread takes the first).

Why: on two cores one analysis thread with a two-thread onnxruntime session left about a quarter of a core
idle and its intra-op threads waste CPU on these small models; two segments, each decoding then running the
model in turn (FFmpeg's own threads decode ahead), keep both cores busy with two Python threads only.

The numbers: the second segment starts WARMUP_FRAMES before the split and its results there are thrown
away, so the models that follow a person from frame to frame (BlazePose's region and its one-euro filter,
MoveNet's crop) have caught on by the split; they do not become equal to a sequential run's, though: the
filter's memory (min cutoff 0.01 Hz) and the crop feedback keep the two runs apart by about a pixel on 720p
(tests/test_segments.py bounds it). Models without state between frames give the same keypoints. Person ids
are exactly a sequential run's: one tracker takes every frame in video order; the second segment's frames
wait (keypoints in the result, not yet flagged analysed) until the first segment is done, so partial results
grow from one front.

Whom a single-person model follows depends on its history: the second segment's detector may pick another
person at the split than the first segment's model was following (on the walking clip, the woman instead of the
man). So at the join the first segment's model carries on past the split, replacing the second's frames, until
both see the same people for AGREE_FRAMES frames in a row: usually those few frames, else until the second
segment's model comes to the person a sequential run follows (or to the clip's end).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time

import numpy as np

from posestudio.core.analysis.body import torso_colours
from posestudio.core.analysis.frame_feed import POLL_S, QUEUE_FRAMES, decoding_failed, open_frames, put_until
from posestudio.core.errors import Cancelled, PoseStudioError
from posestudio.core.models.geometry import box_iou

log = logging.getLogger(__name__)

WARMUP_FRAMES = 30              # the second segment's frames before the split, analysed and thrown away
MIN_FRAMES = 6 * WARMUP_FRAMES  # shorter clips stay sequential: the warm-up would eat the gain
DECODE_COST = 0.2               # a decoded frame's CPU in model runs (720p H.264 against BlazePose full)
_END = object()
_LATER = object()               # a waiting frame the tracker looks at only when its turn comes
_JOIN_S = 5.0
# At the join the second segment's frames (half the clip) get their ids in a burst of Python on the analysis
# thread; taken in chunks with a pause between, and reported in bounded partials, the window's thread gets
# the interpreter in between and never takes half a clip in one turn (a 5-minute clip stalled it 250-330 ms).
JOIN_CHUNK = 64
JOIN_PAUSE_S = 0.002
PARTIAL_MAX_FRAMES = 512
AGREE_FRAMES = 3     # frames in a row both segments' models must see the same people to hand over at the split
SAME_IOU = 0.5       # boxes of one person seen by the two models overlap at least this much


def plan(source, estimator, total: int) -> tuple[list, int] | str:
    """(two one-thread estimators, split frame) for a two-segment run, or why the run stays sequential."""
    from posestudio.core.models.pose import one_thread_twins
    from posestudio.core.models.registry import physical_cores

    if getattr(estimator, "threads", None) == 1:
        return "one onnxruntime thread asked for (a batch worker keeps to one core)"
    if physical_cores() < 2:
        return "one core"
    index = getattr(source, "_index", None)  # VideoSource's frame index (wrappers pass it through)
    if index is None or not (index.seekable and index.seek_ok):
        return "the source cannot seek exactly"
    if total < MIN_FRAMES:
        return f"a clip of {total} frames is too short to split"
    twins = one_thread_twins(estimator)
    if twins is None:
        return "a custom estimator (nothing says how to make a second one)"
    return twins, split_at(total, np.searchsorted(index.pts, index.keyframes))


def split_at(total: int, keyframes) -> int:
    """Where the second segment takes over: both analyse about as many frames, and its decoder (which
    starts WARMUP_FRAMES earlier) starts at a keyframe when one is near, rather than decoding its way
    there from the previous keyframe."""
    balanced = (total + WARMUP_FRAMES) // 2

    def cost(start: int) -> float:
        before = [k for k in keyframes if k <= start]
        return abs(start + WARMUP_FRAMES - balanced) + DECODE_COST * (start - (before[-1] if before else 0))

    starts = [balanced - WARMUP_FRAMES] + [int(k) for k in keyframes if 0 < k < total - 2 * WARMUP_FRAMES]
    return min(starts, key=cost) + WARMUP_FRAMES


def _people(estimator, frame, max_people: int):
    people = estimator.estimate(frame)[:max_people]
    # Torso colours (they need the frame) tell apart players who cross or hide behind each other, and a
    # single-person model's slide from one player onto another who overlaps them.
    return people, torso_colours(frame, [p.keypoints for p in people], [p.box for p in people])


def _decoded(source, frames):
    """`frames`, with a decoding error as a sentence for the user (the sequential run's decode thread's)."""
    while True:
        try:
            item = next(frames)
        except StopIteration:
            return
        except PoseStudioError:
            raise
        except Exception as exc:
            log.exception("decoding %s failed", source.path)
            raise decoding_failed(source) from exc
        yield item


def same_people(boxes_a, boxes_b) -> bool:
    """The same number of people, each box of one list overlapping one of the other by SAME_IOU."""
    if len(boxes_a) != len(boxes_b):
        return False
    left = list(boxes_b)
    for a in boxes_a:
        overlaps = [0.0 if a is None or b is None else box_iou(a, b) for b in left]
        if not overlaps or max(overlaps) < SAME_IOU:
            return False
        left.pop(overlaps.index(max(overlaps)))
    return True


class _Second(threading.Thread):
    """The second segment: frames [start, end) decoded and analysed on this thread; puts (index, t, people,
    torso colours) on `out`, then _END or the exception."""

    def __init__(self, source, estimator, start: int, max_people: int, out: queue.Queue, halt: threading.Event):
        super().__init__(name="posestudio-segment-2", daemon=True)
        self.source, self.estimator, self.start_at, self.max_people = source, estimator, start, max_people
        self.out, self.halt = out, halt

    def _put(self, item) -> None:
        put_until(self.out, item, self.halt)

    def run(self) -> None:
        try:
            frames = open_frames(self.source, self.start_at, None, self.estimator.crops_from_planes, threaded=False)
            try:
                for index, t, frame in _decoded(self.source, frames):
                    if self.halt.is_set():
                        return
                    self._put((index, t, *_people(self.estimator, frame, self.max_people)))
            finally:
                frames.close()  # the decoder closed now, not whenever the generator is collected
            self._put(_END)
        except BaseException as exc:  # raised again by the consumer, on the caller's thread
            self._put(exc)


class _Joiner:
    """Takes both segments' frames in video order for the tracker; holds the second's until the first ends."""

    def __init__(self, result, tracker, split: int, store, grow):
        self.result, self.tracker, self.split, self.store, self.grow = result, tracker, split, store, grow
        self.first_done, self.front, self.done = False, 0, 0
        self.waiting: list = []

    def add(self, second: bool, index: int, t: float, people, looks) -> bool:
        """One analysed frame; False for a warm-up frame (thrown away)."""
        if second and index < self.split:
            return False
        result = self._room_for(index)
        if not second or self.first_done:
            self.store(result, index, t, people, self.tracker, looks)
            self.front = index + 1
        else:  # keypoints now, ids and the analysed flag once the tracker gets here
            for slot, person in enumerate(people):
                result.put_person(index, slot, person, -1)
            boxes = [p.box for p in people]
            self.waiting.append((index, t, looks, boxes, self._observe(index, boxes, looks)))
        self.done += 1
        return True

    def _observe(self, index: int, boxes, looks):
        """What the tracker takes from a waiting frame, worked out now where it can be (SinglePersonTracker), so
        that little Python is left for first_ended's burst; _LATER otherwise."""
        if not hasattr(self.tracker, "observe"):
            return _LATER
        return self.tracker.observe([self.result.keypoints[index, slot] for slot in range(len(boxes))], looks)

    def _room_for(self, index: int):
        """The result, grown if `index` is past the frames announced (rather than dropping the frame)."""
        if index >= len(self.result.analysed):
            self.grow(self.result, max(index + 1, 2 * len(self.result.analysed)))
        return self.result

    def has(self, index: int) -> bool:
        return bool(self.waiting) and self.waiting[-1][0] >= index

    def replace(self, index: int, t: float, people, looks) -> bool:
        """The first segment's model's people at a frame past the split, in place of the second's (appended when
        the second has none there); True if both saw the same people."""
        result, boxes = self._room_for(index), [p.box for p in people]
        pos = index - self.waiting[0][0] if self.waiting else 0
        entry = self.waiting[pos] if 0 <= pos < len(self.waiting) and self.waiting[pos][0] == index else None
        result.clear_frame(index)
        for slot, person in enumerate(people):
            result.put_person(index, slot, person, -1)
        observed = self._observe(index, boxes, looks)
        if entry is None:
            self.waiting.append((index, t, looks, boxes, observed))
            self.done += 1
            return False
        self.waiting[pos] = (index, t, looks, boxes, observed)
        return same_people(entry[3], boxes)

    def first_ended(self, source, report=None) -> None:
        if self.front < self.split:
            log.warning("%s: the first segment ended at frame %d, before the split at %d", source.path, self.front,
                        self.split)
        self.first_done = True
        result = self.result
        for n, (index, t, looks, boxes, observed) in enumerate(self.waiting, 1):
            if observed is _LATER:
                kps = [result.keypoints[index, slot].copy() for slot in range(len(boxes))]
                ids = self.tracker.update(kps, boxes, t, appearance=looks)
            else:
                ids = self.tracker.update_observed(len(boxes), observed, t)
            result.timestamps[index] = t
            for slot, pid in enumerate(ids):
                result.person_ids[index, slot] = int(pid)
            result.analysed[index] = True
            self.front = index + 1
            if report is not None and n % JOIN_CHUNK == 0:
                report()
                time.sleep(JOIN_PAUSE_S)
        self.waiting.clear()


def run_segments(source, result, estimators, split: int, tracker, progress, cancel, on_frames, store,
                 grow, partial_every_s: float) -> int:
    """Fill `result` from [0, split) on this thread and [split - WARMUP_FRAMES, end) on another; `store(result,
    index, t, people, tracker, looks)` as the sequential run's. Returns the end of the last partial result
    sent. Raises Cancelled, or either segment's error (the other stopped first)."""
    total = len(result.analysed)
    for est in estimators:
        est.reset()
        est.frame_rate = float(source.fps) or None
    out: queue.Queue = queue.Queue(maxsize=2 * QUEUE_FRAMES)
    halt = threading.Event()
    second = _Second(source, estimators[1], split - WARMUP_FRAMES, result.max_people, out, halt)
    joiner = _Joiner(result, tracker, split, store, grow)
    log.info("%s: two segments, frames [0, %d) and [%d, %d) after %d warm-up frames", source.path, split, split,
             total, WARMUP_FRAMES)
    partial = {"t": time.monotonic(), "i": 0}

    def report() -> None:
        if progress is not None:
            progress(joiner.done, max(total, joiner.done))
        now = time.monotonic()
        due = now - partial["t"] >= partial_every_s or joiner.front - partial["i"] >= PARTIAL_MAX_FRAMES
        if on_frames is not None and joiner.front > partial["i"] and due:
            on_frames(result, partial["i"], joiner.front)
            partial["t"], partial["i"] = now, joiner.front

    def take_second(block: bool) -> bool:
        """The second segment's frames waiting in `out`; False once it has ended."""
        while True:
            try:
                item = out.get(timeout=POLL_S) if block else out.get_nowait()
            except queue.Empty:
                if block and not second.is_alive() and out.empty():
                    raise PoseStudioError("The analysis stopped unexpectedly; see the log for details.")
                return True
            if item is _END:
                return False
            if isinstance(item, BaseException):
                raise item
            if joiner.add(True, *item):
                report()
            if block:
                return True

    second.start()
    # open-ended: past the split the same decoder feeds the carry-on, with no second open and seek. Each decoder
    # on one thread: the two segments keep both cores busy, and FFmpeg's frame threads cost CPU then (alternating
    # rounds: the walking clip, BlazePose full, 28.5 against 31.0 ms of CPU a frame; the dumbbell clip a tie)
    frames = open_frames(source, 0, None, estimators[0].crops_from_planes, threaded=False)
    try:
        more, decoded = True, _decoded(source, frames)
        for index, t, frame in decoded:
            if cancel is not None and cancel.is_set():
                raise Cancelled("The analysis")
            if index >= split:
                decoded = itertools.chain([(index, t, frame)], decoded)
                break
            joiner.add(False, index, t, *_people(estimators[0], frame, result.max_people))
            report()
            more = more and take_second(block=False)
        more = _carry_on(source, estimators[0], joiner, split, more, take_second, cancel, decoded)
        joiner.first_ended(source, report)
        report()
        while more:
            if cancel is not None and cancel.is_set():
                raise Cancelled("The analysis")
            more = take_second(block=True)
    finally:
        frames.close()
        halt.set()
        second.join(timeout=_JOIN_S)  # it looks at `halt` between frames and while waiting to hand one over
        if second.is_alive():
            log.warning("the analysis' second segment still running %.0f s after the analysis ended", _JOIN_S)
    return partial["i"]


def _carry_on(source, estimator, joiner: _Joiner, split: int, more: bool, take_second, cancel, decoded) -> bool:
    """The first segment's model on past the split, on `decoded` (its decoder's frames from the split on),
    until both models see the same people AGREE_FRAMES frames in a row (see the module's note); returns whether
    the second segment is still going."""
    agreed, index = 0, split - 1
    for index, t, frame in decoded:
        if cancel is not None and cancel.is_set():
            raise Cancelled("The analysis")
        while more and not joiner.has(index):
            more = take_second(block=True)
        agreed = agreed + 1 if joiner.replace(index, t, *_people(estimator, frame, joiner.result.max_people)) else 0
        if agreed >= AGREE_FRAMES:
            break
    if index + 1 - split > AGREE_FRAMES:
        log.info("%s: the second segment's model followed other people at the split; the first's carried on to "
                 "frame %d", source.path, index + 1)
    return more
