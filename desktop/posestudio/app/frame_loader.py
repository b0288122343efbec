"""Decode frames off the GUI thread: one worker thread per clip, owning its own VideoSource.

The GUI asks for frame N; if it is cached it comes back at once, else the worker decodes it. Only the
latest request matters (scrubbing drops stale ones), and while playing the worker reads ahead into an
LRU cache bounded by bytes, so stepping back and forth near the current frame is instant.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from posestudio.app.errors import user_message
from posestudio.app.workers import Workers

log = logging.getLogger(__name__)

CACHE_BYTES = 384 * 1024 * 1024
SEQUENTIAL_REACH = 48  # a request this far ahead of the decoder is reached by decoding forward, not seeking


class DisplayFrame(np.ndarray):
    """An RGB frame (H, W, 3) with `image`, the same picture as a QImage in the format the screen paints
    without converting (RGB32). Made on the decoder's thread: converting RGB888 inside every paint cost the
    GUI thread about 3 ms of a 3.4 ms drawImage for a 720p frame on this machine."""

    image: QImage | None = None

    @property
    def total_bytes(self) -> int:
        return self.nbytes + (self.image.sizeInBytes() if self.image is not None else 0)


def display_frame(rgb: np.ndarray) -> DisplayFrame:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    out = rgb.view(DisplayFrame)
    out.image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    return out


def _size(frame: np.ndarray) -> int:
    return frame.total_bytes if isinstance(frame, DisplayFrame) else frame.nbytes


class FrameCache:
    """Least-recently-used frames, bounded by their total size in bytes; shared by GUI and worker."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            frame = self._items.get(index)
            if frame is not None:
                self._items.move_to_end(index)
            return frame

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
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _size(dropped)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class ClipInfo:
    """What the window needs to know about an opened clip (copied out of the worker's VideoSource)."""

    path: str
    width: int
    height: int
    frame_count: int
    timestamps: np.ndarray
    fps: float
    duration: float
    fingerprint: str
    note: str | None


class _Decoder(QObject):
    """The decode loop (run on a service thread): owns the VideoSource, answers the newest request."""

    opened = Signal(object)          # ClipInfo
    open_failed = Signal(str)        # one sentence
    frame_ready = Signal(int, object)
    decode_failed = Signal(int, str)

    def __init__(self, path: str, cache: FrameCache):
        super().__init__()
        self._path = path
        self._cache = cache
        self._cond = threading.Condition()
        self._wanted: int | None = 0   # frame 0 is shown as soon as the clip is open
        self._anchor = 0               # read-ahead starts after the latest request
        self._ahead = 4                # frames to read ahead (more while playing)
        self._stop = False
        self._frame_count = 0
        self._iter = None
        self._iter_next = -1

    def request(self, index: int) -> None:
        with self._cond:
            self._wanted = index
            self._anchor = index
            self._cond.notify()

    def set_anchor(self, index: int) -> None:
        """A cached frame was shown: keep reading ahead from there."""
        with self._cond:
            self._anchor = index
            self._cond.notify()

    def set_read_ahead(self, frames: int) -> None:
        with self._cond:
            self._ahead = frames
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def _next_to_prefetch(self) -> int | None:
        stop = min(self._anchor + 1 + self._ahead, self._frame_count)
        for i in range(self._anchor + 1, stop):
            if i not in self._cache:
                return i
        return None

    def _decode(self, source, index: int) -> np.ndarray:
        """Frame `index`, continuing the sequential reader when it is close ahead instead of seeking."""
        if self._iter is None or not (self._iter_next <= index <= self._iter_next + SEQUENTIAL_REACH):
            self._iter = source.frames(index)
            self._iter_next = index
        while True:
            try:
                i, _t, frame = next(self._iter)
            except StopIteration:
                self._iter = None
                return display_frame(source.frame_at(index))
            self._iter_next = i + 1
            if i == index:
                return display_frame(frame)
            if i > index:  # should not happen with an exact reader; fall back to the exact call
                self._iter = None
                return display_frame(source.frame_at(index))
            self._cache.put(i, display_frame(frame))

    def run(self) -> None:
        from posestudio.core.video.source import VideoSource

        try:
            source = VideoSource(self._path)
        except Exception as exc:
            log.warning("Could not open %s", self._path, exc_info=True)
            self.open_failed.emit(user_message(exc))
            return
        try:
            self._frame_count = source.frame_count
            self.opened.emit(ClipInfo(
                path=str(self._path), width=source.width, height=source.height,
                frame_count=source.frame_count, timestamps=np.asarray(source.timestamps, dtype=float),
                fps=float(source.fps), duration=float(source.duration),
                fingerprint=source.fingerprint, note=source.note,
            ))
            self._loop(source)
        finally:
            self._iter = None
            source.close()

    def _loop(self, source) -> None:
        while True:
            with self._cond:
                while not self._stop and self._wanted is None and self._next_to_prefetch() is None:
                    self._cond.wait()
                if self._stop:
                    return
                wanted, self._wanted = self._wanted, None
                target = wanted if wanted is not None else self._next_to_prefetch()
            if target is None or not 0 <= target < self._frame_count:
                continue
            frame = self._cache.get(target)
            if frame is None:
                try:
                    frame = self._decode(source, target)
                except Exception as exc:
                    self._iter = None
                    log.warning("Could not decode frame %d of %s", target, self._path, exc_info=True)
                    if wanted is not None:
                        self.decode_failed.emit(target, user_message(exc))
                    continue
                self._cache.put(target, frame)
            if wanted is not None:
                self.frame_ready.emit(target, frame)


class FrameLoader(QObject):
    """The GUI side of one clip's decoder: request(), and frames arrive through frame_ready."""

    opened = Signal(object)
    open_failed = Signal(str)
    frame_ready = Signal(int, object)
    decode_failed = Signal(int, str)

    def __init__(self, path: str, parent: QObject | None = None, cache_bytes: int = CACHE_BYTES,
                 workers: Workers | None = None):
        super().__init__(parent)
        self.path = str(path)
        self.cache = FrameCache(cache_bytes)
        self._decoder = _Decoder(self.path, self.cache)
        self._decoder.opened.connect(self._on_opened)
        self._decoder.open_failed.connect(self.open_failed)
        self._decoder.frame_ready.connect(self.frame_ready)
        self._decoder.decode_failed.connect(self.decode_failed)
        self._frame_bytes = 0
        workers = workers if workers is not None else Workers(self)
        self.service = workers.service(self._decoder.run, "frame-loader", stop=self._decoder.stop)

    def start(self) -> None:
        self.service.start()

    def _on_opened(self, info: ClipInfo) -> None:
        self._frame_bytes = info.width * info.height * 7  # RGB and its RGB32 picture
        self.opened.emit(info)

    def request(self, index: int) -> np.ndarray | None:
        """Return the frame now if cached (and emit it); otherwise it arrives later via frame_ready."""
        frame = self.cache.get(index)
        if frame is None:
            self._decoder.request(index)
        else:
            self._decoder.set_anchor(index)
            self.frame_ready.emit(index, frame)
        return frame

    def set_playing(self, playing: bool) -> None:
        if playing and self._frame_bytes:
            budget = self.cache.max_bytes // (3 * self._frame_bytes)  # leave room behind the cursor
            self._decoder.set_read_ahead(int(max(4, min(45, budget))))
        else:
            self._decoder.set_read_ahead(4)

    def stop(self) -> None:
        """Ask the decoder to finish; it does within one frame's decoding time."""
        self._decoder.stop()

    def retire(self) -> None:
        """Stop the decoder; the loader is deleted once its thread has ended (the workers keep that thread)."""
        self.stop()
        if self.service.is_running():
            self.service.finished.connect(self.deleteLater)
        else:
            self.deleteLater()

    def close(self, timeout_ms: int = 3000) -> None:
        self._decoder.stop()
        if not self.service.wait(timeout_ms):
            log.warning("The frame decoder for %s did not stop in time", self.path)
