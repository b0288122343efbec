"""BlazePose (lite / full / heavy): detector, rotated region, landmark model, heatmap refinement, tracking.

Follows MediaPipe's pose_landmark_cpu graph (mediapipe 0.10.14) so that landmarks agree with its Python
package in video mode: the detector runs only when there is no region from the previous frame; the next
region comes from the auxiliary landmarks 33 (centre) and 34 (scale, rotation) after the one-euro filter
MediaPipe always applies to them (even with smooth_landmarks=False), on its simulated 30 frames/s clock.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from posestudio.core.models.pose.base import Person, PoseEstimator
from posestudio.core.models.pose.blazepose_detector import PoseDetector
from posestudio.core.models.pose.roi import Roi, crop_to_image, roi_from_alignment_points, rotate_vectors, warp_roi
from posestudio.core.models.skeleton import BLAZEPOSE33

log = logging.getLogger(__name__)

INPUT_SIZE = 256
NUM_LANDMARKS = 39          # 33 body landmarks + 2 auxiliary (ROI) + 4 unused
PRESENCE_THRESHOLD = 0.5
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5
ROI_SCALE = 1.25
FRAME_STEP_US = 33333       # MediaPipe's Python solution feeds frames 33333 us apart
BOX_REFINE_STEPS = 2        # estimate_in_box: landmark runs after the first that re-centre the region
AUX_FILTER = dict(min_cutoff=0.01, beta=10.0, derivate_cutoff=1.0)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class _LowPass:
    def __init__(self):
        self.raw = None
        self.stored = None

    def apply(self, value: float, alpha: float) -> float:
        result = value if self.stored is None else alpha * value + (1.0 - alpha) * self.stored
        self.raw, self.stored = value, result
        return result


class OneEuroFilter:
    """One value's one-euro filter with MediaPipe's quirks (frequency from timestamps, t=0 passes through)."""

    def __init__(self, min_cutoff: float, beta: float, derivate_cutoff: float, frequency: float = 30.0):
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency = frequency
        self.last_time = 0
        self.x = _LowPass()
        self.dx = _LowPass()

    def _alpha(self, cutoff: float) -> float:
        te = 1.0 / self.frequency
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def apply(self, t_ns: int, value_scale: float, value: float) -> float:
        if self.last_time >= t_ns:
            return value
        if self.last_time != 0 and t_ns != 0:
            self.frequency = 1.0 / ((t_ns - self.last_time) * 1e-9)
        self.last_time = t_ns
        dvalue = 0.0 if self.x.raw is None else (value - self.x.raw) * value_scale * self.frequency
        edvalue = self.dx.apply(dvalue, self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * abs(edvalue)
        return self.x.apply(value, self._alpha(cutoff))


class PointsFilter:
    """One-euro filters on (N, 2) pixel points, scaled by the object size, reset when the person is lost."""

    def __init__(self, **params):
        self.params = params
        self.filters: list[OneEuroFilter] | None = None

    def reset(self) -> None:
        self.filters = None

    def apply(self, points: np.ndarray, t_us: int, object_scale: float) -> np.ndarray:
        if self.filters is None:
            self.filters = [OneEuroFilter(**self.params) for _ in range(points.size)]
        if object_scale < 1e-6:
            return points
        t_ns = t_us * 1000
        flat = [f.apply(t_ns, 1.0 / object_scale, float(v)) for f, v in zip(self.filters, points.ravel())]
        return np.array(flat).reshape(points.shape)


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray, kernel: int = HEATMAP_KERNEL,
                        min_confidence: float = HEATMAP_MIN_CONFIDENCE) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap on normalised crop coordinates.

    For each landmark, the sigmoid heatmap in a kernel x kernel window at its cell gives a weighted
    mean position (cell indices / heatmap size), used only where the window's max reaches min_confidence.
    Keeps MediaPipe's details: truncation toward zero, and its row bound check quirk (rows past the
    bottom are not skipped up front; the clipped window then comes out empty or partial).
    """
    hm_h, hm_w, channels = heatmap.shape
    n = min(channels, xy.shape[0])
    out = xy.copy()
    with np.errstate(invalid="ignore"):
        col = np.trunc(xy[:n, 0] * hm_w)  # truncation toward zero, as the C++ int cast does
        row = np.trunc(xy[:n, 1] * hm_h)
    ok = (col >= 0) & (col < hm_w) & (row >= 0) & (col < hm_h)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    col, row = col[idx].astype(np.int64), row[idx].astype(np.int64)
    half = (kernel - 1) // 2
    offsets = np.arange(-half, half + 1)
    rows = row[:, None, None] + offsets[None, :, None]          # (n, k, 1)
    cols = col[:, None, None] + offsets[None, None, :]          # (n, 1, k)
    inside = (rows >= 0) & (rows < hm_h) & (cols >= 0) & (cols < hm_w)
    vals = heatmap[np.clip(rows, 0, hm_h - 1), np.clip(cols, 0, hm_w - 1), idx[:, None, None]]
    conf = np.where(inside, _sigmoid(vals.astype(np.float64)), 0.0)
    total = conf.sum(axis=(1, 2))
    refine = (conf.max(axis=(1, 2)) >= min_confidence) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    new_x = (conf * cols).sum(axis=(1, 2)) / hm_w / safe
    new_y = (conf * rows).sum(axis=(1, 2)) / hm_h / safe
    out[idx[refine], 0] = new_x[refine]
    out[idx[refine], 1] = new_y[refine]
    return out


class LandmarkResult:
    """One landmark-model run mapped to the image: 39 points, visibility, presence, world, region."""

    __slots__ = ("points", "visibility", "presence", "world", "roi")

    def __init__(self, points, visibility, presence, world, roi):
        self.points, self.visibility, self.presence, self.world, self.roi = points, visibility, presence, world, roi

    def person(self) -> Person:
        kp = np.empty((33, 3), dtype=np.float32)
        kp[:, :2] = self.points[:33]
        kp[:, 2] = self.visibility[:33]
        box = np.array([kp[:, 0].min(), kp[:, 1].min(), kp[:, 0].max(), kp[:, 1].max()], dtype=np.float32)
        return Person(keypoints=kp, score=float(self.presence), box=box, world=self.world.astype(np.float32))


class LandmarkModel:
    """The BlazePose landmark ONNX session: crop, run, decode, refine, map back."""

    def __init__(self, session):
        self.session = session
        self._input = session.get_inputs()[0].name
        names = {}
        for out in session.get_outputs():
            shape = tuple(out.shape)
            if shape[-1] == NUM_LANDMARKS * 5 and len(shape) == 2:
                names["landmarks"] = out.name
            elif shape[-1] == NUM_LANDMARKS * 3 and len(shape) == 2:
                names["world"] = out.name
            elif len(shape) == 4 and shape[-1] == NUM_LANDMARKS:
                names["heatmap"] = out.name
            elif len(shape) == 2 and shape[-1] == 1:
                names["presence"] = out.name
        missing = {"landmarks", "world", "heatmap", "presence"} - set(names)
        if missing:
            raise ValueError(f"the BlazePose landmark model lacks outputs: {sorted(missing)}")
        self._order = ["landmarks", "presence", "heatmap", "world"]
        self._outputs = [names[k] for k in self._order]  # segmentation is not asked for
        self.calls = 0

    def run(self, rgb: np.ndarray, roi: Roi) -> LandmarkResult:
        crop = warp_roi(rgb, roi, INPUT_SIZE, border="replicate")
        tensor = (crop.astype(np.float32) * (1.0 / 255.0))[None]
        raw = dict(zip(self._order, self.session.run(self._outputs, {self._input: tensor})))
        self.calls += 1
        lm = raw["landmarks"].reshape(NUM_LANDMARKS, 5).astype(np.float64)
        # the pose flag leaves the model already squashed to 0..1: MediaPipe thresholds it as is
        presence = float(raw["presence"].reshape(-1)[0])
        xy = refine_from_heatmap(lm[:, :2] / INPUT_SIZE, raw["heatmap"][0])
        points = crop_to_image(xy, roi)
        world = raw["world"].reshape(NUM_LANDMARKS, 3)[:33].astype(np.float64)
        world[:, :2] = rotate_vectors(world[:, :2], roi.rotation)
        return LandmarkResult(points, _sigmoid(lm[:, 3]), presence, world, roi)


class BlazePoseEstimator(PoseEstimator):
    """Single-person BlazePose with MediaPipe's region tracking between frames of a video."""

    crops_from_planes = True

    keypoint_set = BLAZEPOSE33
    max_people = 1
    redetect_when_lost = False  # True looks again in the same frame; MediaPipe (the reference) waits a frame

    def __init__(self, model_id: str = "blazepose-full", threads: int | None = None, *,
                 detector_session=None, landmark_session=None):
        from posestudio.core.models.registry import create_session  # lazy: onnxruntime on first use

        self.model_id = model_id
        self.detector = PoseDetector(detector_session or create_session("blazepose-detector", threads=threads))
        self.landmarks = LandmarkModel(landmark_session or create_session(model_id, threads=threads))
        self._aux_filter = PointsFilter(**AUX_FILTER)
        self.reset()

    def reset(self) -> None:
        self._roi: Roi | None = None
        self._seed: Roi | None = None
        self._frame = 0
        self._shape: tuple[int, int] | None = None
        self._aux_filter.reset()

    def seed(self, roi: Roi) -> None:
        """Follow the person in `roi` from the next frame on (the user chose them), instead of the detector's."""
        self._seed = roi

    def _roi_from_detector(self, rgb: np.ndarray, rect=None) -> Roi | None:
        found = self.detector.detect(rgb, rect)
        if not found:
            return None
        kp = found[0].keypoints
        return roi_from_alignment_points(kp[0], kp[1], ROI_SCALE)

    def estimate(self, rgb: np.ndarray) -> list[Person]:
        if rgb.shape[:2] != self._shape:  # a new frame size cannot continue the old track
            seed = self._seed
            self.reset()
            self._shape, self._seed = rgb.shape[:2], seed
        if self._seed is not None:
            self._roi, self._seed = self._seed, None
            self._aux_filter.reset()
        t_us = (self._frame + 1) * FRAME_STEP_US  # the first frame is at 33333 us, as in MediaPipe
        self._frame += 1
        tracked = self._roi is not None
        roi = self._roi if tracked else self._roi_from_detector(rgb)
        result = self.landmarks.run(rgb, roi) if roi is not None else None
        if (result is None or result.presence < PRESENCE_THRESHOLD) and tracked and self.redetect_when_lost:
            # lost the track: MediaPipe would wait for the next frame; looking again now loses no frame
            self._aux_filter.reset()
            roi = self._roi_from_detector(rgb)
            result = self.landmarks.run(rgb, roi) if roi is not None else None
        if result is None or result.presence < PRESENCE_THRESHOLD:
            self._roi = None
            self._aux_filter.reset()
            return []
        aux = result.points[33:35]
        object_scale = 2.0 * float(np.hypot(*(aux[1] - aux[0])))
        smooth = self._aux_filter.apply(aux, t_us, object_scale)
        self._roi = roi_from_alignment_points(smooth[0], smooth[1], ROI_SCALE)
        return [result.person()]

    def estimate_in_box(self, rgb: np.ndarray, box_xyxy) -> Person | None:
        """The person inside a box (top-down evaluation); leaves the video tracking untouched."""
        x0, y0, x1, y1 = (float(v) for v in box_xyxy)
        roi = self._roi_from_detector(rgb, (x0, y0, x1, y1))
        if roi is None:  # no detection: let the box itself be the region
            roi = Roi((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0), 0.0)
        result = self.landmarks.run(rgb, roi)
        for _ in range(BOX_REFINE_STEPS):  # as tracking does between frames: re-centre on the landmarks' region
            if result.presence < PRESENCE_THRESHOLD:
                break
            aux = result.points[33:35]
            result = self.landmarks.run(rgb, roi_from_alignment_points(aux[0], aux[1], ROI_SCALE))
        return result.person() if result.presence >= PRESENCE_THRESHOLD else None


BlazePose = BlazePoseEstimator  # the name posestudio.core.models.pose.create_estimator uses
