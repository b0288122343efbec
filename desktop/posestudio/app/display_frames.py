"""Frames ready to paint, and the cache the decoder and the analysis fill with them.

A DisplayFrame is either the clip's exact frame (`full`: RGB kept beside its picture, what a paused view and
a zoomed-in still need) or a picture only for playing (`full` False), scaled to the size the view paints it
at so a paint copies it pixel for pixel: the display decoder's frames while playing, converted by the decoder
straight to the screen's pixels (half the CPU of RGB and then converting), and the frames the analysis
decoded ahead of the playhead, kept as decoded (FedFrame) until the decoder's thread converts them the same way
just before they show. All carry their QImage in the format the screen paints without converting (RGB32).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from PySide6.QtGui import QImage

CACHE_BYTES = 384 * 1024 * 1024


class DisplayFrame(np.ndarray):
    """The picture's pixels with `image`, the same picture as a QImage in RGB32, and `source_size`, the
    clip's (width, height) the picture stands for. Full frames are RGB (H, W, 3); playing ones are the
    QImage's own BGRA buffer (h, w, 4), at the clip's size or scaled."""

    image: QImage | None = None
    source_size: tuple[int, int] = (0, 0)
    full: bool = True
    fed: bool = False   # from the analysis's decoding (FrameFeed), not the display's own

    @property
    def total_bytes(self) -> int:
        extra = self.image.sizeInBytes() if self.image is not None and self.full else 0
        return self.nbytes + extra


class FedFrame:
    """A frame the analysis decoded ahead of the playhead, kept as the decoder made it: the display's own
    thread converts it when it is about to be shown, so the analysis's thread only hands it over. `frame`: a
    core.video Frame, detached from the analysis's."""

    fed = True

    def __init__(self, frame):
        self.frame = frame
        self.nbytes = int(frame.decoded_bytes)


def display_frame(rgb: np.ndarray) -> DisplayFrame:
    """The full-size frame: RGB kept (callers read pixels from it), its RGB32 picture converted here."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    out = rgb.view(DisplayFrame)
    out.image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    out.source_size, out.full = (w, h), True
    return out


def playing_frame(bgra: np.ndarray, source_size: tuple[int, int]) -> DisplayFrame:
    """A frame for playing from its BGRA pixels (B, G, R, 255: QImage's RGB32 in memory), made at the picture's
    size on screen so the view copies it 1:1; source_size: the clip's (width, height) it stands for."""
    bgra = np.ascontiguousarray(bgra)
    th, tw = bgra.shape[:2]
    out = bgra.view(DisplayFrame)
    out.image = QImage(bgra.data, tw, th, 4 * tw, QImage.Format.Format_RGB32)  # borrows `out`'s buffer
    out.source_size, out.full = source_size, False
    return out


def shrunk_size(size: tuple[int, int] | None, width: int, height: int) -> tuple[int, int] | None:
    """`size` (the picture on screen) when a frame of width x height would shrink to fit it, else None."""
    if size is not None and 1 <= int(size[0]) < width and 1 <= int(size[1]) < height:
        return int(size[0]), int(size[1])
    return None


def _size(frame: np.ndarray) -> int:
    return frame.total_bytes if isinstance(frame, DisplayFrame) else frame.nbytes


class FrameCache:
    """Frames bounded by their total size in bytes; shared by the GUI, the decoder and the analysis.
    Frames before `keep_from` (the playhead, while playing) go first, then the least recently used: frames
    put ahead of the playhead are the ones about to be shown."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self.keep_from = 0
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            frame = self._items.get(index)
            if frame is not None:
                self._items.move_to_end(index)
            return frame

    def peek(self, index: int) -> np.ndarray | None:
        """The frame without counting it as used."""
        with self._lock:
            return self._items.get(index)

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._items

    def put(self, index: int, frame: np.ndarray) -> None:
        with self._lock:
            old = self._items.pop(index, None)
            if old is not None:
                self._bytes -= _size(old)
            self._items[index] = frame
            self._bytes += _size(frame)
            while self._bytes > self.max_bytes and len(self._items) > 1:
                behind = next((i for i in self._items if i < self.keep_from), None)
                dropped = self._items.pop(behind) if behind is not None else self._items.popitem(last=False)[1]
                self._bytes -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
