"""Decode frames off the GUI thread: one worker thread per clip, owning its own VideoSource.

The GUI asks for frame N; if it is cached it comes back at once, else the worker decodes it. Only the
latest request matters (scrubbing drops stale ones), and while playing the worker reads ahead into an
LRU cache bounded by bytes, so stepping back and forth near the current frame is instant.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from posestudio.app.display_frames import (CACHE_BYTES, DisplayFrame, FedFrame, FrameCache, display_frame,
                                           playing_frame, shrunk_size)
from posestudio.app.errors import user_message
from posestudio.app.workers import Workers
from posestudio.core.analysis.frame_feed import open_frames

__all__ = ["CACHE_BYTES", "ClipInfo", "DisplayFrame", "FrameCache", "FrameLoader", "display_frame"]

log = logging.getLogger(__name__)

SEQUENTIAL_REACH = 48  # a request this far ahead of the decoder is reached by decoding forward, not seeking
# While the analysis decodes the clip too (the feed offered a frame lately), the display reads only this far
# ahead: reading 45 ahead, it kept in front of an analysis running barely faster than playback and decoded its
# frames a second time (dumbbell clip, BlazePose full: 159 of 287 frames shown came from the analysis, against
# 111). A few frames suffice for a decoder at normal priority beside a niced analysis.
FEED_AHEAD = 6
FEEDING_S = 0.5
# Frames up to this size are decoded on the loader's thread alone (1.4 ms for 720p H.264, so even 1080p at
# 60 frames/s keeps up): FFmpeg's frame threads cost the display more CPU per frame beside a running analysis.
THREADED_ABOVE = 1920 * 1080


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


def _rgb(frame) -> np.ndarray:
    return frame if isinstance(frame, np.ndarray) else frame.rgb


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
        self.playing = False
        self.size: tuple[int, int] | None = None   # while playing: the picture's size on screen
        self._reformatter = None                   # this thread's scaler for frames while playing

    def usable(self, frame) -> bool:
        """A cached frame will do: a still needs the exact full-size frame; playing, that or one made for
        playing at the picture's present size (after a zoom, frames made for the old size are made again)."""
        if frame is None or isinstance(frame, FedFrame):
            return False
        if getattr(frame, "full", True):
            return True
        size = self.size
        return self.playing and (size is None or frame.shape[:2] in ((size[1], size[0]), frame.source_size[::-1]))

    def _make(self, frame) -> DisplayFrame:
        """While playing, the decoder's frame straight to the screen's pixels at the picture's size, in one pass
        of the scaler (Frame.bgra), so the GUI thread copies it instead of scaling it; otherwise the exact RGB
        frame with its picture. The conversion goes through this thread's own scaler: a frame the analysis
        handed over keeps the analysis's, which PyAV runs without the interpreter lock."""
        if self.playing and hasattr(frame, "bgra"):
            if self._reformatter is None:
                from av.video.reformatter import VideoReformatter

                self._reformatter = VideoReformatter()
            h, w = frame.shape[:2]
            shrink = shrunk_size(self.size, w, h)   # shrunk in the conversion's own pass
            return playing_frame(frame.bgra(self._reformatter, shrink), (w, h))
        return display_frame(_rgb(frame))

    def _from_fed(self, fed: FedFrame) -> DisplayFrame:
        """A frame the analysis decoded, made here for playing as the decoder's own are."""
        shown = self._make(fed.frame)
        shown.fed = True
        return shown

    def _made(self, source, index: int, cached) -> DisplayFrame:
        """Frame `index` for the screen: from the analysis's decoded frame while playing, else decoded here
        (also when that conversion fails: the analysis's frames are a saving, never the only way)."""
        if isinstance(cached, FedFrame) and self.playing:
            try:
                return self._from_fed(cached)
            except Exception:
                log.warning("Could not convert the analysis's frame %d of %s; decoding it", index, self._path,
                            exc_info=True)
        return self._decode(source, index)

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

    def set_playing(self, playing: bool, size: tuple[int, int] | None = None) -> None:
        with self._cond:
            self.playing, self.size = playing, size
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
            if not self.usable(self._cache.peek(i)):
                return i
        return None

    @staticmethod
    def _sequence(source, index: int):
        """Frames from `index` on; lazily converted to RGB where the source can (core.video's Frames)."""
        return open_frames(source, index, lazy=True, threaded=source.width * source.height > THREADED_ABOVE)

    def _decode(self, source, index: int) -> np.ndarray:
        """Frame `index`, continuing the sequential reader when it is close ahead instead of seeking. Frames
        read on the way are kept only if they are not behind the latest request: when playback skips ahead
        of the decoder, converting the frames it skipped for nobody cost as much as decoding them."""
        if self._iter is None or not (self._iter_next <= index <= self._iter_next + SEQUENTIAL_REACH):
            self._iter = self._sequence(source, index)
            self._iter_next = index
        while True:
            try:
                i, _t, frame = next(self._iter)
            except StopIteration:
                self._iter = None
                return display_frame(source.frame_at(index))
            self._iter_next = i + 1
            if i == index:
                return self._make(frame)
            if i > index:  # should not happen with an exact reader; fall back to the exact call
                self._iter = None
                return display_frame(source.frame_at(index))
            if i > self._anchor and not self.usable(self._cache.peek(i)):
                self._cache.put(i, self._make(frame))

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
            if not self.usable(frame):
                try:
                    frame = self._made(source, target, frame)
                except Exception as exc:
                    self._iter = None
                    log.warning("Could not decode frame %d of %s", target, self._path, exc_info=True)
                    if wanted is not None:
                        self.decode_failed.emit(target, user_message(exc))
                    continue
                self._cache.put(target, frame)
            if wanted is not None:
                self.frame_ready.emit(target, frame)


class FrameFeed:
    """Frames the clip's analysis has decoded, offered (on its decode thread) to the playing view: the ones
    the playhead is about to reach are kept as decoded, so the display does not decode them a second time;
    the display's thread converts them for the screen just before they show, so the analysis's thread (the
    segment that already has the most to do) only hands them over. A plain object (no Qt): the analysis may
    outlive the loader by a frame."""

    def __init__(self, cache: FrameCache):
        self.cache = cache
        self.size: tuple[int, int] | None = None   # the picture's size while playing; None: take nothing
        self.shape: tuple[int, int] = (0, 0)       # the clip's (height, width): anything else is not ours
        self.first, self.stop = 0, 0               # frames [first, stop) are wanted
        self.taken = 0
        self.offered_at = -1e9                     # time.monotonic() of the latest offer while playing

    def feeding(self) -> bool:
        return time.monotonic() - self.offered_at < FEEDING_S

    def offer(self, index: int, frame) -> None:
        """`frame`: core.video's decoded frame (its planes are kept, not what the analysis converts from it).
        Anything else (an RGB array from a source without decoded frames) is left to the display to decode:
        shrinking an RGB frame cost the display's thread three times what the scaler's one pass does."""
        if self.size is None or not hasattr(frame, "detached"):
            return
        self.offered_at = time.monotonic()
        if not self.first <= index < self.stop or index in self.cache or tuple(frame.shape[:2]) != self.shape:
            return
        self.cache.put(index, FedFrame(frame.detached()))
        self.taken += 1


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
        self._fed_bytes = 0
        self._ahead = 4          # frames the decoder reads ahead while playing without a feed
        self._fed = False        # the read-ahead is FEED_AHEAD
        self.feed = FrameFeed(self.cache)
        workers = workers if workers is not None else Workers(self)
        self.service = workers.service(self._decoder.run, "frame-loader", stop=self._decoder.stop)

    def start(self) -> None:
        self.service.start()

    def _on_opened(self, info: ClipInfo) -> None:
        self._frame_bytes = info.width * info.height * 7  # RGB and its RGB32 picture
        self._fed_bytes = info.width * info.height * 3 // 2  # a frame the feed keeps as decoded (YUV 4:2:0)
        self.feed.shape = (info.height, info.width)
        self.opened.emit(info)

    def request(self, index: int) -> np.ndarray | None:
        """Return the frame now if cached (and emit it); otherwise it arrives later via frame_ready.
        While playing any cached frame will do; a still is always the full-size frame."""
        frame = self.cache.get(index)
        self._follow(index)
        if not self._decoder.usable(frame):
            self._decoder.request(index)
            return None
        self._decoder.set_anchor(index)
        self.frame_ready.emit(index, frame)
        return frame

    def _follow(self, index: int) -> None:
        """While playing: the frames behind the playhead go first, and the analysis's frames ahead are kept."""
        feed = self.feed
        if feed.size is None:
            return
        self.cache.keep_from = index
        frame_bytes = max(feed.size[0] * feed.size[1] * 4, self._fed_bytes, 1)
        feed.first, feed.stop = index, index + max(self.cache.max_bytes // (2 * frame_bytes), 1)
        fed = feed.feeding()
        if fed != self._fed:
            self._fed = fed
            self._decoder.set_read_ahead(min(FEED_AHEAD, self._ahead) if fed else self._ahead)

    def set_playing(self, playing: bool, size: tuple[int, int] | None = None) -> None:
        """Read ahead while playing. With `size` (the picture's width and height on screen) the frames made
        for playing are scaled to it: the decoder's, and the analysis's about to be shown (the feed)."""
        size = (max(int(size[0]), 1), max(int(size[1]), 1)) if playing and size is not None else None
        self._decoder.set_playing(playing, size)
        self.feed.size = size
        if not playing:
            self.cache.keep_from = 0
            self.feed.first = self.feed.stop = 0
        frame_bytes = self._frame_bytes
        if playing and frame_bytes:
            budget = self.cache.max_bytes // (3 * frame_bytes)  # leave room behind the cursor
            self._ahead = int(max(4, min(45, budget)))
        else:
            self._ahead = 4
        self._fed = False
        self._decoder.set_read_ahead(self._ahead)

    def stop(self) -> None:
        """Ask the decoder to finish; it does within one frame's decoding time."""
        self._decoder.stop()

    def retire(self) -> None:
        """Stop the decoder; once its thread has ended (the workers keep that thread) the frames go and the loader
        is deleted. The frames go by hand: the loader's Python side waits for a full collection, which the
        allocations of a window doing little may not bring for minutes (four clips opened kept 530 MB)."""
        self.stop()
        self.feed.size = None   # an analysis still running hands it no more frames
        if self.service.is_running():
            self.service.finished.connect(self._release)
        else:
            self._release()

    def _release(self) -> None:
        self.cache.clear()
        self.deleteLater()

    def close(self, timeout_ms: int = 3000) -> None:
        self._decoder.stop()
        if not self.service.wait(timeout_ms):
            log.warning("The frame decoder for %s did not stop in time", self.path)
