"""A decoded frame that becomes RGB only where it is looked at.

The analysis needs a 256 x 256 crop of a 1280 x 720 frame (BlazePose) or a downscale of it (MoveNet), not the
whole frame in RGB: converting all of it costs the decode thread as much CPU as the crop it feeds. A Frame
keeps the decoder's YUV 4:2:0 planes; a crop is sampled from them plane by plane (posestudio.core.models.pose.crop
asks `plane_regions`), then only its pixels are turned into RGB with the stream's own matrix and range. Who
wants the whole picture (display, export) gets it from `rgb`, converted once and kept.

Coordinates are upright (after the display rotation), continuous pixels as in crop.py: pixel (i, j) covers
[j, j+1) x [i, i+1).
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

# Pixel formats whose planes are sampled directly; any other converts the whole frame (still correct).
_PLANAR_420 = {"yuv420p": False, "yuvj420p": True}  # name -> full range
# (Kr, Kb) per AVColorSpace: BT.709 (1), BT.2020 (9, 10); everything else as swscale's default, BT.601.
_COEFFICIENTS = {1: (0.2126, 0.0722), 9: (0.2627, 0.0593), 10: (0.2627, 0.0593)}
_BT601 = (0.299, 0.114)
_AVCOL_RANGE_JPEG = 2
# Smaller frames are converted whole, as before: that costs a fraction of a millisecond there, and people in
# them are small, so the crops' own chroma interpolation moved keypoints enough to change what the angle-jump
# tests looked at on the 426 x 240 gym and 640 x 360 film clips (larger frames kept them).
PLANES_MIN_PIXELS = 640 * 480


class Frame:
    """One decoded picture, upright; `rgb` is the whole frame (converted on first use), `shape` its size."""

    def __init__(self, av_frame, rotation_turns: int = 0):
        self._frame = av_frame
        self._turns = int(rotation_turns) % 4
        self._rgb: np.ndarray | None = None
        w, h = av_frame.width, av_frame.height
        self._stored = (w, h)
        self.shape = (w, h, 3) if self._turns % 2 else (h, w, 3)
        fmt = av_frame.format.name
        self._planar = fmt in _PLANAR_420 and w * h >= PLANES_MIN_PIXELS
        full = _PLANAR_420.get(fmt, False) or getattr(av_frame, "color_range", 0) == _AVCOL_RANGE_JPEG
        self._full_range = full
        self._matrix: np.ndarray | None = None
        self._kr_kb = _COEFFICIENTS.get(int(getattr(av_frame, "colorspace", 2) or 2), _BT601)

    @property
    def rgb(self) -> np.ndarray:
        """The whole upright frame, (H, W, 3) uint8 RGB, as VideoSource.frames() yields it."""
        if self._rgb is None:
            rgb = self._frame.to_ndarray(format="rgb24")
            self._rgb = np.ascontiguousarray(np.rot90(rgb, self._turns)) if self._turns else rgb
        return self._rgb

    def bgra(self, reformatter=None, size: tuple[int, int] | None = None) -> np.ndarray:
        """The upright frame as (H, W, 4) bytes B, G, R, 255 (a screen's 32-bit pixels), converted by the
        decoder's scaler in one pass: half the CPU of `rgb` and then widening it (a playing window's picture).
        size: (width, height) to shrink it to in the same pass, by area averaging (a playing window, 720p to
        782 x 440, two alternating runs: 1.02 and 0.85 ms a frame, against 1.40 and 1.32 converting it whole and
        then shrinking it: a third of the memory written).
        reformatter: an av.video.reformatter.VideoReformatter of the calling thread's own. A decoded frame keeps
        one scaler, used by `rgb` too, and PyAV runs it without the interpreter lock: two threads converting
        one frame through it at once would share its state."""
        scale = {}
        if size is not None:
            w, h = (size[1], size[0]) if self._turns % 2 else (size[0], size[1])   # the stored picture's
            scale = {"width": int(w), "height": int(h), "interpolation": "AREA"}
        if reformatter is None:
            bgra = self._frame.reformat(format="bgra", **scale).to_ndarray()
        else:
            bgra = reformatter.reformat(self._frame, format="bgra", **scale).to_ndarray()
        # rows can carry the decoder's padding: the picture is painted from one contiguous buffer
        return np.ascontiguousarray(np.rot90(bgra, self._turns) if self._turns else bgra)

    def detached(self) -> Frame:
        """The same decoded picture in a wrapper of its own, with nothing converted from it yet: what another
        thread keeps (the RGB the model made stays with this one)."""
        return Frame(self._frame, self._turns)

    @property
    def decoded_bytes(self) -> int:
        """What the decoded picture itself holds (its planes), as kept by `detached`."""
        return int(sum(plane.buffer_size for plane in self._frame.planes))

    def __array__(self, dtype=None, copy=None):
        return self.rgb if dtype is None else self.rgb.astype(dtype)

    def __getitem__(self, key):
        """frame[y0:y1, x0:x1] converts just that rectangle (a torso patch); other keys use the whole frame."""
        if (self._rgb is None and self._planar and isinstance(key, tuple) and len(key) == 2
                and all(isinstance(k, slice) and k.step in (None, 1) for k in key)):
            h, w = self.shape[:2]
            y0, y1, _ = key[0].indices(h)
            x0, x1, _ = key[1].indices(w)
            if y1 <= y0 or x1 <= x0:
                return np.zeros((max(y1 - y0, 0), max(x1 - x0, 0), 3), np.uint8)
            return self._rectangle(x0, y0, x1, y1)
        return self.rgb[key]

    def _rectangle(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """Upright pixels [y0:y1, x0:x1] in RGB, each chroma sample spread over its 2 x 2 pixels."""
        w, h = self._stored
        corners = [self._point_to_stored(x, y) for x, y in ((x0, y0), (x1, y1))]
        sx0, sx1 = sorted(int(round(c[0])) for c in corners)
        sy0, sy1 = sorted(int(round(c[1])) for c in corners)
        planes = [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width] for p in self._frame.planes]
        # the chroma rows and columns under the rectangle, doubled, then trimmed to its first pixel's parity
        cy0, cx0 = sy0 // 2, sx0 // 2
        u, v = (np.repeat(np.repeat(p[cy0:(sy1 + 1) // 2, cx0:(sx1 + 1) // 2], 2, axis=0), 2, axis=1)
                [sy0 % 2:sy0 % 2 + sy1 - sy0, sx0 % 2:sx0 % 2 + sx1 - sx0] for p in planes[1:])
        rgb = self.to_rgb(planes[0][sy0:sy1, sx0:sx1], u, v)
        return np.ascontiguousarray(np.rot90(rgb, self._turns)) if self._turns else rgb

    # ------------------------------------------------------------------------------------------------------
    # What a crop needs: the planes with the region in each one's own pixels, and the colour conversion

    def plane_regions(self, region):
        """[(plane, region in that plane's pixels, fill)] for Y, U, V, or None when the frame is not planar
        4:2:0, is smaller than PLANES_MIN_PIXELS, or its RGB exists already (then cheaper to crop). `region` is a crop.Region (or any
        frozen dataclass with cx, cy, width, height, rotation) in upright pixels; fill is the plane's value
        for black."""
        if not self._planar or self._rgb is not None:
            return None
        stored = self._to_stored(region)
        black_y = 0 if self._full_range else 16
        planes = [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width] for p in self._frame.planes]
        # 4:2:0 chroma: one sample per 2 x 2 luma pixels, centred among them, so its pixels are luma's halved
        chroma = replace(stored, cx=stored.cx / 2, cy=stored.cy / 2, width=stored.width / 2,
                         height=stored.height / 2)
        return [(planes[0], stored, black_y), (planes[1], chroma, 128), (planes[2], chroma, 128)]

    def _to_stored(self, region):
        """The region in the stored (unrotated) picture: np.rot90 by k turns the picture k quarter turns
        counterclockwise, so a region turns back by as many quarter turns into the stored picture."""
        if not self._turns:
            return region
        sx, sy = self._point_to_stored(region.cx, region.cy)
        return replace(region, cx=sx, cy=sy, rotation=region.rotation + self._turns * math.pi / 2)

    def _point_to_stored(self, x: float, y: float) -> tuple[float, float]:
        w, h = self._stored
        if self._turns == 1:      # upright (x, y) shows stored (w - y, x): a quarter turn, R(pi / 2)
            return w - y, x
        if self._turns == 2:
            return w - x, h - y
        if self._turns == 3:      # upright (x, y) shows stored (y, h - x)
            return y, h - x
        return x, y

    def to_rgb(self, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Samples of the three planes (same shape) as uint8 RGB, with the stream's matrix and range."""
        if self._matrix is None:
            self._matrix = _yuv_to_rgb_matrix(*self._kr_kb, self._full_range)
        yuv = cv2.merge([np.ascontiguousarray(y), np.ascontiguousarray(u), np.ascontiguousarray(v)])
        return cv2.transform(yuv, self._matrix)  # rounds and saturates to uint8 in one pass


def _yuv_to_rgb_matrix(kr: float, kb: float, full_range: bool) -> np.ndarray:
    """(3, 4) affine taking (Y, Cb, Cr, 1) to (R, G, B), as swscale converts."""
    kg = 1.0 - kr - kb
    ys, cs = (1.0, 1.0) if full_range else (255.0 / 219.0, 255.0 / 224.0)
    y0 = 0.0 if full_range else 16.0
    rows = np.array([[ys, 0.0, 2 * (1 - kr) * cs],
                     [ys, -2 * kb * (1 - kb) / kg * cs, -2 * kr * (1 - kr) / kg * cs],
                     [ys, 2 * (1 - kb) * cs, 0.0]])
    offset = -(rows[:, 0] * y0) - (rows[:, 1] + rows[:, 2]) * 128.0
    return np.hstack([rows, offset[:, None]]).astype(np.float32)
