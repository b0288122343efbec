"""One decoder positioned somewhere in a video stream, handing out the frame with a given index exactly
(reading on when that is cheaper than a seek); VideoSource's sequential and random access both use it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import av

from posestudio.core.video.index import FrameIndex, decode_frames

log = logging.getLogger(__name__)

# Reading forward this many frames is cheaper than a seek + decode from the keyframe.
SEQUENTIAL_WINDOW = 8


class ReadFailed(Exception):
    pass


class Reader:
    """One decoder positioned somewhere in the stream; returns the frame with a given index exactly."""

    def __init__(self, path: Path, index: FrameIndex, threaded: bool):
        self._path = path
        self._index = index
        self._threaded = threaded
        self._container = None
        self._frames: Iterator | None = None
        self._pending = None  # (frame, key) decoded past a missing target, handed out next
        self._next = -1  # index the decoder will produce next (-1: unknown, must seek)
        self._count = 0  # frames produced since the start (only used when pts are not usable)
        self.errors: list[str] = []
        self.missed = False  # the last read had to hand out a neighbour (the target did not decode)

    def _open(self) -> None:
        self.close()
        self._container = av.open(str(self._path))
        stream = self._container.streams.video[0]
        if self._threaded:
            stream.thread_type = "AUTO"  # frame threading is bit-exact; it only adds latency, fine when sequential
        self._stream = stream

    def close(self) -> None:
        self._frames = None
        self._pending = None
        self._next = -1
        if self._container is not None:
            self._container.close()
            self._container = None

    def _restart_at(self, seek_pts: int | None) -> None:
        """Position before `seek_pts` (a keyframe's pts), or at the very start when None."""
        if seek_pts is None or self._container is None:
            self._open()  # reopening is the one way to the start that works on every demuxer
        if seek_pts is not None:  # a new reader seeks too: decoding from the start is minutes on a long clip
            self._container.seek(int(seek_pts), stream=self._stream, backward=True, any_frame=False)
        self._frames = decode_frames(self._container, self._stream, self.errors)
        self._pending = None
        self._count = 0
        self._next = 0 if seek_pts is None else -1

    def _key(self, frame) -> int | None:
        if self._index.seekable:
            return frame.pts
        self._count += 1
        return self._count - 1

    def _seek_points(self, target: int) -> list[int | None]:
        if not (self._index.seekable and self._index.seek_ok):
            return [None]
        keys = self._index.keyframes
        k = int(np.searchsorted(keys, target, side="right")) - 1
        # Try the keyframe before the target, then earlier ones (some demuxers land late), then the start;
        # the first keyframe is reached by reopening, which is cheap and right on every demuxer.
        points: list[int | None] = [int(keys[j]) for j in range(k, max(k - 2, 0), -1)]
        return points + [None]

    def _forward_is_cheaper(self, i: int) -> bool:
        """Reading on from the current position beats a seek when close, or when no keyframe lies between."""
        if i - self._next <= SEQUENTIAL_WINDOW or not (self._index.seekable and self._index.seek_ok):
            return True  # (without trusted seeks the alternative is decoding again from the start)
        keys = self._index.keyframes
        start, target = self._index.pts[self._next], self._index.pts[i]
        return not np.any((keys > start) & (keys <= target))

    def read(self, i: int):
        target = int(self._index.pts[i])
        self.missed = False
        if self._frames is not None and 0 <= self._next <= i and self._forward_is_cheaper(i):
            frame = self._scan(target, after_seek=False)
            if frame is not None:
                self._next = i + 1
                return frame
        for point in self._seek_points(target):
            self._restart_at(point)
            frame = self._scan(target, after_seek=point is not None)
            if frame is not None:
                self._next = i + 1
                return frame
        raise ReadFailed(f"frame {i} (pts {target}) could not be decoded")

    def _scan(self, target: int, after_seek: bool):
        """Decode forward to the frame whose key is `target`. None means: landed past it, seek earlier."""
        previous = None
        while True:
            if self._pending is not None:
                (frame, key), self._pending = self._pending, None
            else:
                frame = next(self._frames, None)
                if frame is None:
                    break
                key = self._key(frame)
                if key is None:
                    continue
            if key < target:
                previous = frame
            elif key == target:
                return frame
            elif previous is None and after_seek:
                return None  # the seek landed after the target
            else:
                # The target's packet did not decode (damaged file): show the frame before it.
                log.warning("frame pts %s of %s is missing; using a neighbour", target, self._path)
                self.missed = True
                self._pending = (frame, key)
                return previous if previous is not None else frame
        if previous is not None:
            log.warning("frame pts %s of %s is missing at the end; using the one before", target, self._path)
            self.missed = True
            self._frames = None
            return previous
        return None
