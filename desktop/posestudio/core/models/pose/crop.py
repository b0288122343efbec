"""Crop/letterbox maths shared by the estimators: an image region warped to a model input and back.

Coordinates are continuous pixels: pixel (i, j) covers [j, j+1) x [i, i+1), so a keypoint at x = W is the
right edge of the image. A region's normalised coordinates (u, v) in [0, 1] span it edge to edge, which is
how the models report positions relative to their input tensor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Region:
    """A (possibly rotated) rectangle of the image: centre, size in pixels, rotation in radians.

    Rotation follows MediaPipe: a point (u, v) of the region maps to
    centre + R(rotation) @ ((u - 0.5) * width, (v - 0.5) * height), R = [[cos, -sin], [sin, cos]].
    Parts outside the image are filled with black when cropped.
    """

    cx: float
    cy: float
    width: float
    height: float
    rotation: float = 0.0

    @classmethod
    def square(cls, cx: float, cy: float, side: float, rotation: float = 0.0) -> "Region":
        return cls(float(cx), float(cy), float(side), float(side), float(rotation))

    @classmethod
    def whole_frame(cls, width: int, height: int) -> "Region":
        """The centred square holding the whole frame (letterbox: the short side is padded)."""
        return cls.square(width / 2.0, height / 2.0, max(width, height))

    @classmethod
    def from_box(cls, x0: float, y0: float, x1: float, y1: float, scale: float = 1.0) -> "Region":
        """The square around a box, its side the box's long side times `scale`."""
        return cls.square((x0 + x1) / 2.0, (y0 + y1) / 2.0, max(x1 - x0, y1 - y0) * scale)

    def matrix(self, out_w: int, out_h: int) -> np.ndarray:
        """2x3 affine from image pixel indices to output pixel indices (what cv2.warpAffine wants)."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        sx, sy = out_w / self.width, out_h / self.height
        # continuous: q = diag(sx, sy) @ R^T @ (p - centre) + out/2 ; indices are continuous - 0.5
        lin = np.array([[c * sx, s * sx], [-s * sy, c * sy]], dtype=np.float64)
        offset = lin @ np.array([0.5 - self.cx, 0.5 - self.cy]) + np.array([out_w / 2.0 - 0.5, out_h / 2.0 - 0.5])
        return np.hstack([lin, offset[:, None]])

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """(N, 2) normalised region coordinates (u, v) -> (N, 2) image pixels (x, y)."""
        uv = np.asarray(uv, dtype=np.float64)
        dx = (uv[..., 0] - 0.5) * self.width
        dy = (uv[..., 1] - 0.5) * self.height
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        return np.stack([self.cx + c * dx - s * dy, self.cy + s * dx + c * dy], axis=-1)

    def to_region(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) image pixels -> normalised region coordinates (the inverse of `to_image`)."""
        xy = np.asarray(xy, dtype=np.float64)
        dx, dy = xy[..., 0] - self.cx, xy[..., 1] - self.cy
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        return np.stack([(c * dx + s * dy) / self.width + 0.5, (-s * dx + c * dy) / self.height + 0.5], axis=-1)


# Measured with MoveNet Lightning on whole 1768x994 frames of the walking clip (mean person score / frames
# with a person): bilinear only 0.315 / 76 %, pyramid down to scale >= 0.5: 0.287 / 63 % (too soft),
# down to >= 0.25: 0.349 / 91 %. Softer inputs look less like what the models were trained on.
MIN_WARP_SCALE = 0.25


def crop(rgb, region: Region, out_w: int, out_h: int | None = None, *, pyramid: bool = True,
         border: str = "zero") -> np.ndarray:
    """Warp `region` of the image to an (out_h, out_w, 3) picture; outside the image is black ("zero") or the
    nearest edge pixel ("replicate").

    `rgb` is an (H, W, 3) array or a video Frame (posestudio.core.video.frame): a Frame is sampled plane by
    plane from the decoder's YUV and only the crop is turned into RGB, so the whole frame is never converted.
    Strong downscales (below MIN_WARP_SCALE) first halve the part of the image under the region with a
    Gaussian pyramid, so the picture does not fall apart into aliasing (a bilinear warp of a 1768-wide frame
    to 192 px samples 4 of every ~80 pixels); pyrDown costs a fraction of an area resize. pyramid=False
    warps directly, as MediaPipe does for BlazePose.
    """
    out_h = out_w if out_h is None else out_h
    planes = rgb.plane_regions(region) if hasattr(rgb, "plane_regions") else None
    if planes is not None:
        y, u, v = (_warp(plane, where, out_w, out_h, pyramid, border, fill) for plane, where, fill in planes)
        return rgb.to_rgb(y, u, v)
    return _warp(np.asarray(rgb), region, out_w, out_h, pyramid, border, 0)


def _warp(image: np.ndarray, region: Region, out_w: int, out_h: int, pyramid: bool, border: str,
          fill: int) -> np.ndarray:
    scale = min(out_w / region.width, out_h / region.height)
    if pyramid and scale < MIN_WARP_SCALE:
        h, w = image.shape[:2]
        corners = region.to_image(np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float64))
        x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 2
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 2
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            image = image[y0:y1, x0:x1]
            cx, cy, rw, rh = region.cx - x0, region.cy - y0, region.width, region.height
            while scale < MIN_WARP_SCALE and min(image.shape[:2]) >= 4:
                image = cv2.pyrDown(image)
                # pyrDown centres output pixel i on input pixel 2i: continuous x' = (x + 0.5) / 2
                cx, cy, rw, rh, scale = (cx + 0.5) / 2, (cy + 0.5) / 2, rw / 2, rh / 2, scale * 2
            region = Region(cx, cy, rw, rh, region.rotation)
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    return cv2.warpAffine(image, region.matrix(out_w, out_h), (out_w, out_h), flags=cv2.INTER_LINEAR,
                          borderMode=mode, borderValue=(fill, fill, fill))
