"""BlazePose for several people: one rotated region, landmark run and region tracking per person.

The single-person estimator (blazepose.py) follows MediaPipe's Pose graph exactly; this one keeps its
per-person steps (detector region, landmark model, one-euro filtered auxiliary landmarks give the next
region) and adds what MediaPipe's Pose Landmarker does with num_poses > 1: every detection after
non-max suppression may start a track, and the detector looks again while fewer than `max_people` are
followed. The detector letterboxes its input to 224 px, where a person in a wide frame is too small to
be found: it scans square tiles instead (scan_plan: as tall as the frame, plus smaller ones where a
100 px person would otherwise be too small), on the first frame, when someone is lost, and every
SCAN_SECONDS while there is room for more people.
"""

from __future__ import annotations

import math

import numpy as np

from posestudio.core.models.geometry import box_iou
from posestudio.core.models.pose.base import Person, PoseEstimator
from posestudio.core.models.pose.blazepose import (AUX_FILTER, FRAME_STEP_US, PRESENCE_THRESHOLD, ROI_SCALE,
                                                   LandmarkModel, LandmarkResult, PointsFilter)
from posestudio.core.models.pose.blazepose_detector import PoseDetector
from posestudio.core.models.pose.roi import Roi, roi_from_alignment_points
from posestudio.core.models.skeleton import BLAZEPOSE33

SCAN_SECONDS = 0.2        # between detector scans while fewer than max_people are followed: a man in
                          # the street clip (10 frames/s) is 100 px tall for 1 s, so 90 % of it leaves 0.1-0.2 s
SAME_PERSON_IOU = 0.5     # two landmark boxes overlapping this much are one person seen twice
SAME_PERSON_DIST = 0.15   # ... or mean keypoint distance under this share of the body size
NEW_REGION_OVERLAP = 0.5  # a detected region covering a followed person this much is that person
DETECTOR_INPUT = 224
MIN_PERSON_PX = 100       # the smallest person looked for by default
MIN_DETECTED_PX = 70      # street clip: 100 px men are found in most frames where they span 70 px of the
                          # detector's input, in some at 58 px, in none at 39 (tiles as tall as the frame)
MAX_SCAN_TILES = 16       # the default adds smaller tiles only while a scan stays within this many detector runs
SMALL_SPAN = 0.9 * MIN_PERSON_PX  # keypoints (nose to heels) span about 0.9 of a person's height: under this,
                                  # a person holds a place only until someone bigger turns up


def _starts(length: float, side: float) -> list[float]:
    n = 1 if length <= side * 1.05 else math.ceil((length - side) / (0.5 * side)) + 1
    return list(np.linspace(0.0, length - side, n)) if n > 1 else [0.0]


def scan_tiles(width: int, height: int, side: float | None = None) -> list[tuple[float, float, float, float]]:
    """Square tiles (default: as tall or wide as the frame's short side), overlapping by at least half."""
    side = float(min(width, height) if side is None else min(side, width, height))
    return [(x, y, x + side, y + side) for y in _starts(float(height), side) for x in _starts(float(width), side)]


def scan_plan(width: int, height: int, min_person_px: float | None = None) -> list[tuple[float, float, float, float]]:
    """The tiles of one scan: squares as tall as the frame's short side (people down to about a third of
    it), plus, where those shrink a person `min_person_px` tall below MIN_DETECTED_PX, a layer of smaller
    squares overlapping by half in which that person is big enough. Default (None): MIN_PERSON_PX, and the
    smaller layer only if the scan stays within MAX_SCAN_TILES (a 768 x 576 frame: 2 + 12 tiles; a 1280 x 720
    one would need 3 + 28, so it scans the 3 tall tiles only and finds people from about 225 px)."""
    tall = scan_tiles(width, height)
    wanted = MIN_PERSON_PX if min_person_px is None else float(min_person_px)
    side = wanted * DETECTOR_INPUT / MIN_DETECTED_PX
    if side >= min(width, height):
        return tall
    small = scan_tiles(width, height, side)
    if min_person_px is None and len(tall) + len(small) > MAX_SCAN_TILES:
        return tall
    return tall + small


def _coverage(inner, outer) -> float:
    """Share of box `inner` inside box `outer`."""
    w = min(inner[2], outer[2]) - max(inner[0], outer[0])
    h = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return float(w * h / area) if w > 0 and h > 0 and area > 0 else 0.0


def roi_box(roi: Roi) -> np.ndarray:
    """The axis-aligned box of the region's body part: the middle of the square (people fill ~1/1.25 of it)."""
    half = roi.size / (2.0 * ROI_SCALE)
    return np.array([roi.cx - half, roi.cy - half, roi.cx + half, roi.cy + half])


def same_person(a: LandmarkResult, b: LandmarkResult) -> bool:
    pa, pb = a.person(), b.person()
    if box_iou(pa.box, pb.box) > SAME_PERSON_IOU:
        return True
    size = max(np.sqrt(max((pa.box[2] - pa.box[0]) * (pa.box[3] - pa.box[1]), 1.0)), 1.0)
    return float(np.linalg.norm(a.points[:33] - b.points[:33], axis=1).mean()) < SAME_PERSON_DIST * size


def _span(result: LandmarkResult) -> float:
    box = result.person().box
    return float(max(box[2] - box[0], box[3] - box[1]))


def _small_index(kept: list) -> int | None:
    """The smallest person followed whose keypoints span under SMALL_SPAN (never one the user chose)."""
    small = [(_span(r), i) for i, (t, r) in enumerate(kept) if not t.chosen and _span(r) < SMALL_SPAN]
    return min(small)[1] if small else None


class _Track:
    __slots__ = ("roi", "filter", "age", "chosen")

    def __init__(self, roi: Roi, chosen: bool = False):
        self.roi, self.filter, self.age, self.chosen = roi, PointsFilter(**AUX_FILTER), 0, chosen


class BlazePoseMulti(PoseEstimator):
    """Up to `max_people` people, each with BlazePose's 33 keypoints, tracked region by region."""

    crops_from_planes = True

    keypoint_set = BLAZEPOSE33

    def __init__(self, model_id: str = "blazepose-full", max_people: int = 2, threads: int | None = None, *,
                 detector_session=None, landmark_session=None, scan_every: int | None = None,
                 min_person_px: float | None = None):
        from posestudio.core.models.registry import create_session  # lazy: onnxruntime on first use

        if max_people < 1:
            raise ValueError("max_people must be at least 1")
        self.model_id, self.max_people = model_id, int(max_people)
        self._scan_every = None if scan_every is None else max(1, int(scan_every))  # None: SCAN_SECONDS
        self.min_person_px = min_person_px  # None: scan_plan's default
        self.detector = PoseDetector(detector_session or create_session("blazepose-detector", threads=threads))
        self.landmarks = LandmarkModel(landmark_session or create_session(model_id, threads=threads))
        self.reset()

    @property
    def scan_every(self) -> int:
        """Frames between scans: SCAN_SECONDS at the clip's frame rate (the runner sets frame_rate)."""
        return self._scan_every or max(1, round(SCAN_SECONDS * (self.frame_rate or 30.0)))

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        self._tiles: list | None = None
        self._frame = 0
        self._since_scan = 0
        self._shape: tuple[int, int] | None = None
        self._seeds: list[Roi] = []

    def seed(self, roi: Roi) -> None:
        """Follow the person in `roi` from the next frame on (ahead of anyone the detector finds)."""
        self._seeds.append(roi)

    def estimate(self, rgb: np.ndarray) -> list[Person]:
        if rgb.shape[:2] != self._shape:
            seeds = self._seeds
            self.reset()
            self._shape, self._seeds = rgb.shape[:2], seeds
        self._frame += 1
        t_us = self._frame * FRAME_STEP_US
        kept: list[tuple[_Track, LandmarkResult]] = []
        lost = False
        for track in self._tracks:
            result = self.landmarks.run(rgb, track.roi)
            if result.presence < PRESENCE_THRESHOLD or any(same_person(result, r) for _, r in kept):
                lost = True  # gone, or slid onto someone already followed
                continue
            kept.append((track, result))
        for roi in self._seeds[: self.max_people]:
            self._try_new(rgb, roi, kept, front=True)
        self._seeds = []
        self._since_scan += 1
        # with every place taken, scans go on while someone under 100 px holds one: a bigger newcomer takes it
        room = len(kept) < self.max_people or _small_index(kept) is not None
        if room and (lost or not self._tracks or self._since_scan >= self.scan_every):
            self._scan(rgb, kept)
        kept = kept[: self.max_people]
        self._tracks = []
        for track, result in kept:
            aux = result.points[33:35]
            object_scale = 2.0 * float(np.hypot(*(aux[1] - aux[0])))
            smooth = track.filter.apply(aux, t_us, object_scale)
            track.roi = roi_from_alignment_points(smooth[0], smooth[1], ROI_SCALE)
            track.age += 1
            self._tracks.append(track)
        return [result.person() for _, result in kept]

    def _scan(self, rgb: np.ndarray, kept: list) -> None:
        self._since_scan = 0
        if self._tiles is None:
            h, w = rgb.shape[:2]
            self._tiles = scan_plan(w, h, self.min_person_px)
        found = []
        for tile in self._tiles:
            found += self.detector.detect(rgb, tile)
        found.sort(key=lambda d: -d.score)
        for det in found:
            full = len(kept) >= self.max_people
            if full and _small_index(kept) is None:
                break
            roi = roi_from_alignment_points(det.keypoints[0], det.keypoints[1], ROI_SCALE)
            self._try_new(rgb, roi, kept, replace_small=full)

    def _try_new(self, rgb: np.ndarray, roi: Roi, kept: list, front: bool = False,
                 replace_small: bool = False) -> bool:
        """Start a track at `roi` unless it is someone already followed or nobody is there; with
        `replace_small`, only for someone of 100 px or more, in the place of the smallest under it."""
        box = roi_box(roi)
        if replace_small and box[2] - box[0] < 0.8 * MIN_PERSON_PX:
            return False  # the detector's region (about the body's height) says small: spare the landmark run
        for _, r in kept:
            if _coverage(r.person().box, box) > NEW_REGION_OVERLAP and not front:
                return False  # cheap test first: the region already holds a followed person
        result = self.landmarks.run(rgb, roi)
        if result.presence < PRESENCE_THRESHOLD:
            return False
        twins = [i for i, (_, r) in enumerate(kept) if same_person(result, r)]
        if twins and not front:
            return False
        if replace_small:
            small = _small_index(kept)
            if small is None or _span(result) < SMALL_SPAN:
                return False
            del kept[small]
        for i in reversed(twins):  # a chosen person replaces whoever tracking had put there
            del kept[i]
        entry = (_Track(roi, chosen=front), result)
        kept.insert(0, entry) if front else kept.append(entry)
        return True
