"""Rotated square regions of interest: MediaPipe's conventions for BlazePose, in image pixels.

A region is a square of side `size` centred at (cx, cy), turned by `rotation` radians (clockwise on
screen, since image y points down). The crop of a region maps its corners to the corners of the model
input, exactly as MediaPipe's ImageToTensor does (corner-to-corner, not pixel-centre-to-pixel-centre),
so that landmarks decoded as `crop_pixel / crop_size` map back with `crop_to_image`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from posestudio.core.models.pose.crop import Region, crop


@dataclass(frozen=True)
class Roi:
    cx: float
    cy: float
    size: float           # side of the square, pixels
    rotation: float = 0.0  # radians

    def corners(self) -> np.ndarray:
        """(4, 2) corners: top-left, top-right, bottom-right, bottom-left of the upright crop."""
        half = self.size / 2.0
        local = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        turn = np.array([[c, -s], [s, c]])
        return local @ turn.T + np.array([self.cx, self.cy])


def normalize_radians(angle: float) -> float:
    """Angle in [-pi, pi), as MediaPipe normalises rotations."""
    return angle - 2.0 * math.pi * math.floor((angle + math.pi) / (2.0 * math.pi))


def rotation_from_points(start: np.ndarray, end: np.ndarray, target: float = math.pi / 2) -> float:
    """Rotation that turns the start->end vector to point up (target 90 degrees) in the crop."""
    return normalize_radians(target - math.atan2(-(float(end[1]) - float(start[1])),
                                                 float(end[0]) - float(start[0])))


def roi_from_alignment_points(center: np.ndarray, scale_point: np.ndarray, scale: float = 1.25) -> Roi:
    """MediaPipe's AlignmentPointsRects + RectTransformation(square_long, scale): the BlazePose region.

    Centre at `center` (detector keypoint 0 or auxiliary landmark 33), side 2 x the distance to
    `scale_point` (keypoint 1 / landmark 34) times `scale`, rotated so the pair is vertical.
    """
    dist = math.hypot(float(scale_point[0]) - float(center[0]), float(scale_point[1]) - float(center[1]))
    return Roi(float(center[0]), float(center[1]), 2.0 * dist * scale, rotation_from_points(center, scale_point))


def square_around_rect(x0: float, y0: float, x1: float, y1: float) -> Roi:
    """The unrotated square that letterboxes an axis-aligned rectangle (centred, long side kept)."""
    return Roi((x0 + x1) / 2.0, (y0 + y1) / 2.0, max(x1 - x0, y1 - y0), 0.0)


def crop_matrix(roi: Roi, out_size: int) -> np.ndarray:
    """(2, 3) affine matrix taking image pixels to crop pixels (for cv2.warpAffine)."""
    k = out_size / roi.size
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    half = out_size / 2.0
    # crop = k * R^T (p - centre) + half, R the rotation by roi.rotation
    return np.array([
        [k * c, k * s, half - k * (c * roi.cx + s * roi.cy)],
        [-k * s, k * c, half - k * (-s * roi.cx + c * roi.cy)],
    ], dtype=np.float64)


def warp_roi(rgb, roi: Roi, out_size: int, border: str = "replicate") -> np.ndarray:
    """The region resampled to an out_size square, uint8 RGB (bilinear; `border` "replicate" or "zero").

    `rgb` is an array or a video Frame; a Frame is cropped from its YUV planes (crop.crop) through the
    Region that puts the same pixels where this warp does."""
    if not isinstance(rgb, np.ndarray):
        return crop(rgb, roi_region(roi, out_size), out_size, pyramid=False, border=border)
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    return cv2.warpAffine(rgb, crop_matrix(roi, out_size), (out_size, out_size),
                          flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=(0, 0, 0))


def roi_region(roi: Roi, out_size: int) -> Region:
    """The crop.Region whose warp equals crop_matrix(roi, out_size): MediaPipe maps pixel indices corner to
    corner, crop.Region maps pixel centres, so the centre moves by half a pixel both sides of the warp."""
    k = out_size / roi.size
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    # solve k R^T (p + 0.5 - centre) + out/2 - 0.5 == k R^T (p - roi centre) + out/2 for the centre
    dx, dy = 0.5 / k, 0.5 / k
    return Region(roi.cx + 0.5 - (c * dx - s * dy), roi.cy + 0.5 - (s * dx + c * dy), roi.size, roi.size,
                  roi.rotation)


def crop_to_image(points: np.ndarray, roi: Roi) -> np.ndarray:
    """Map (N, 2) points in normalised crop coordinates ([0, 1] across the crop) to image pixels."""
    p = np.asarray(points, dtype=np.float64) - 0.5
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    x = (c * p[:, 0] - s * p[:, 1]) * roi.size + roi.cx
    y = (s * p[:, 0] + c * p[:, 1]) * roi.size + roi.cy
    return np.stack([x, y], axis=1)


def image_to_crop(points: np.ndarray, roi: Roi) -> np.ndarray:
    """Inverse of crop_to_image: (N, 2) image pixels to normalised crop coordinates."""
    p = np.asarray(points, dtype=np.float64) - np.array([roi.cx, roi.cy])
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    u = (c * p[:, 0] + s * p[:, 1]) / roi.size + 0.5
    v = (-s * p[:, 0] + c * p[:, 1]) / roi.size + 0.5
    return np.stack([u, v], axis=1)


def rotate_vectors(xy: np.ndarray, rotation: float) -> np.ndarray:
    """Turn (N, 2) vectors by `rotation` (world landmarks follow the region's rotation)."""
    c, s = math.cos(rotation), math.sin(rotation)
    return np.stack([c * xy[:, 0] - s * xy[:, 1], s * xy[:, 0] + c * xy[:, 1]], axis=1)
