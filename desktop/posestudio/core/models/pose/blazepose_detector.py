"""BlazePose person detector: SSD anchors, box decoding, weighted NMS, letterbox, as MediaPipe runs it.

The detector sees the frame letterboxed into 224 x 224 (RGB in [-1, 1], black bars) and returns, per
anchor, a box and four keypoints (0 hip centre, 1 a point above the head that sets the scale and
rotation, 2-3 the same for the upper body) plus a logit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posestudio.core.models.geometry import box_iou as iou
from posestudio.core.models.pose.roi import Roi, crop_to_image, square_around_rect, warp_roi

INPUT_SIZE = 224
STRIDES = (8, 16, 32, 32, 32)
MIN_SCALE, MAX_SCALE = 0.1484375, 0.75
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
SCORE_CLIP = 100.0
NUM_KEYPOINTS = 4


@dataclass
class Detection:
    score: float
    box: np.ndarray        # (4,) xmin, ymin, xmax, ymax (normalised in the detector's frame, or pixels)
    keypoints: np.ndarray  # (4, 2) x, y in the same frame as box


def ssd_anchors(input_size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """(N, 2) anchor centres (x, y) in [0, 1], in MediaPipe's order; fixed-size anchors (w = h = 1).

    Layers sharing a stride are merged into one grid, each layer adding two anchors per cell
    (aspect ratio 1 plus the interpolated scale), so strides 8, 16, 32, 32, 32 on 224 give 2254.
    """
    centres = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        per_cell = 2 * (same - layer)
        cells = math.ceil(input_size / strides[layer])
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs.ravel() + 0.5) / cells, (ys.ravel() + 0.5) / cells], axis=1)
        centres.append(np.repeat(grid, per_cell, axis=0))
        layer = same
    return np.concatenate(centres).astype(np.float32)


ANCHORS = ssd_anchors()


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray = ANCHORS,
           threshold: float = SCORE_THRESHOLD) -> list[Detection]:
    """Anchors whose score passes `threshold`, decoded to normalised boxes and keypoints (no NMS)."""
    raw = raw_boxes.reshape(-1, 12).astype(np.float32)
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -SCORE_CLIP, SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.nonzero(scores >= threshold)[0]
    detections = []
    for i in keep:
        r = raw[i] / INPUT_SIZE
        ax, ay = anchors[i]
        xc, yc, w, h = r[0] + ax, r[1] + ay, r[2], r[3]
        if not (w >= 0 and h >= 0):  # negative or NaN sizes are dropped, as MediaPipe does
            continue
        kps = r[4:4 + 2 * NUM_KEYPOINTS].reshape(NUM_KEYPOINTS, 2) + np.array([ax, ay], dtype=np.float32)
        box = np.array([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2], dtype=np.float64)
        detections.append(Detection(float(scores[i]), box, kps.astype(np.float64)))
    return detections


def weighted_nms(detections: list[Detection], iou_threshold: float = NMS_IOU) -> list[Detection]:
    """MediaPipe's weighted NMS: each cluster (IoU > threshold with its best) becomes the score-weighted
    mean of its boxes and keypoints, keeping the best score. Best first."""
    remaining = sorted(detections, key=lambda d: d.score, reverse=True)
    out = []
    while remaining:
        best = remaining[0]
        cluster = [d for d in remaining if iou(d.box, best.box) > iou_threshold]
        rest = [d for d in remaining if iou(d.box, best.box) <= iou_threshold]
        weights = np.array([d.score for d in cluster])
        total = weights.sum()
        box = sum(w * d.box for w, d in zip(weights, cluster)) / total
        kps = sum(w * d.keypoints for w, d in zip(weights, cluster)) / total
        out.append(Detection(best.score, box, kps))
        if len(rest) == len(remaining):  # nothing clustered (degenerate box): stop rather than loop
            break
        remaining = rest
    return out


def letterbox_input(rgb: np.ndarray, region: Roi) -> np.ndarray:
    """The detector's input (1, 224, 224, 3) float32 in [-1, 1] for an unrotated square region."""
    crop = warp_roi(rgb, region, INPUT_SIZE, border="zero")
    return (crop.astype(np.float32) * (2.0 / 255.0) - 1.0)[None]


def to_image(detection: Detection, region: Roi) -> Detection:
    """A detection from the region's normalised frame to image pixels (undoes the letterbox)."""
    corners = crop_to_image(detection.box.reshape(2, 2), region)
    return Detection(detection.score, corners.reshape(4), crop_to_image(detection.keypoints, region))


class PoseDetector:
    """Runs the BlazePose detector ONNX session on a frame or part of one."""

    def __init__(self, session):
        self.session = session
        self._input = session.get_inputs()[0].name
        self._boxes = self._scores = None
        for out in session.get_outputs():
            shape = list(out.shape)
            if shape[-1] == 12:
                self._boxes = out.name
            elif shape[-1] == 1:
                self._scores = out.name
        if self._boxes is None or self._scores is None:
            raise ValueError("the pose detector model lacks its [1, 2254, 12] / [1, 2254, 1] outputs")
        self.calls = 0  # how many times the model ran (tests check tracking avoids it)

    def detect(self, rgb: np.ndarray, rect: tuple[float, float, float, float] | None = None) -> list[Detection]:
        """People in the frame (or in rect = x0, y0, x1, y1 pixels), best first, in image pixels."""
        h, w = rgb.shape[:2]
        region = square_around_rect(*(rect if rect is not None else (0.0, 0.0, float(w), float(h))))
        boxes, scores = self.session.run([self._boxes, self._scores], {self._input: letterbox_input(rgb, region)})
        self.calls += 1
        return [to_image(d, region) for d in weighted_nms(decode(boxes, scores))]
