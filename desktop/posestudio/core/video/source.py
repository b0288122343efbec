"""Open a video file with PyAV: real metadata, exact frame N, fast sequential reading, upright RGB frames.

Threading: a VideoSource is meant for one reading thread. `frame_at` is guarded by a lock so a stray
call from another thread is safe, but two threads seeking one source take turns; give each reading
thread its own VideoSource (opening is cheap). `frames()` opens its own decoder, so a running
iterator does not disturb `frame_at` and vice versa.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from posestudio.core.errors import VideoOpenError
from posestudio.core.video.frame import Frame
from posestudio.core.video.index import FrameIndex, build_index, full_decode
from posestudio.core.video.reader import ReadFailed, Reader

log = logging.getLogger(__name__)

_FINGERPRINT_CHUNK = 1 << 20


def fingerprint(path: Path) -> str:
    """sha1 of the size and the first and last MiB: cheap on big files, stable across copies and renames."""
    size = path.stat().st_size
    digest = hashlib.sha1(f"{size}:".encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_FINGERPRINT_CHUNK))
        if size > _FINGERPRINT_CHUNK:
            fh.seek(max(_FINGERPRINT_CHUNK, size - _FINGERPRINT_CHUNK))
            digest.update(fh.read(_FINGERPRINT_CHUNK))
    return digest.hexdigest()


def _check_file(path: Path) -> None:
    name = path.name or str(path)
    if not path.exists():
        raise VideoOpenError(f"'{name}' does not exist; check the file name or pick another file.")
    if path.is_dir():
        raise VideoOpenError(f"'{name}' is a folder, not a video file; pick a video file inside it.")
    try:
        with open(path, "rb") as fh:
            empty = not fh.read(1)
    except OSError as exc:
        log.warning("cannot read %s", path, exc_info=True)
        raise VideoOpenError(
            f"'{name}' cannot be read ({exc.strerror or 'system error'}); check the file's permissions and try again."
        ) from None
    if empty:
        raise VideoOpenError(f"'{name}' is empty (0 bytes); pick another file.")


def _mp4_without_index(path: Path) -> bool:
    """An MP4/MOV whose top-level boxes hold no 'moov' (the index written when recording stops): a recording
    or copy cut short. Walks the box headers only, so it costs a few reads even on a large file."""
    try:
        with open(path, "rb") as fh:
            size = path.stat().st_size
            pos, seen = 0, []
            while pos + 8 <= size and len(seen) < 64:
                fh.seek(pos)
                head = fh.read(16)
                box_size, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if box_size == 1 and len(head) == 16:
                    box_size = int.from_bytes(head[8:16], "big")
                seen.append(kind)
                if box_size < 8:
                    break
                pos += box_size
    except OSError:
        return False
    return bool(seen) and seen[0] == b"ftyp" and b"moov" not in seen


def _unreadable(path: Path) -> VideoOpenError:
    if _mp4_without_index(path):
        return VideoOpenError(
            f"'{path.name}' is incomplete: its index, written when a recording stops, is missing (the recording "
            "or a copy was cut short), so no player or converter can read it; copy it again from the camera or "
            "phone, or recover it with a repair tool that borrows the index of a clip from the same camera, "
            "such as untrunc.")
    return VideoOpenError(
        f"'{path.name}' is not a video Pose Studio can read (it may be damaged, incomplete or in an unsupported "
        "format); try another file or convert it with ffmpeg."
    )


def _quarter_turns(rotation: float) -> int:
    """Counterclockwise quarter turns (0-3) from a display-matrix angle; np.rot90 turns counterclockwise too."""
    return int(round(rotation / 90.0)) % 4


def _lost(path: Path) -> VideoOpenError:
    return VideoOpenError(
        f"'{path.name}' could not be read any more (it may have been moved, changed or damaged); open it again."
    )


class VideoSource:
    """A video file opened for reading upright RGB frames; see the module docstring about threads."""

    def __init__(self, path):
        self.path = Path(path)
        _check_file(self.path)
        t0 = time.perf_counter()
        try:
            self._probe()
        except VideoOpenError:
            raise
        except Exception:
            log.exception("cannot open %s as a video", self.path)
            raise _unreadable(self.path) from None
        self._lock = threading.Lock()
        self._cache: tuple[int, np.ndarray] | None = None
        try:
            first = self._first_frame()
            self.rotation = _quarter_turns(first.rotation) * 90
            rgb = self._to_rgb(first)
        except Exception:
            log.exception("cannot decode the first frame of %s", self.path)
            self._reader.close()
            raise _unreadable(self.path) from None
        self._cache = (0, rgb)
        self.height, self.width = rgb.shape[:2]
        self.fingerprint = fingerprint(self.path)
        log.info(
            "opened %s: %dx%d rot %d, %d frames (%s), %.3f fps, %s, %.3f s",
            self.path, self.width, self.height, self.rotation, self.frame_count, self._index.method,
            self.fps, self.codec, time.perf_counter() - t0,
        )

    def _first_frame(self):
        self._reader = Reader(self.path, self._index, threaded=False)
        first = self._reader.read(0)
        if self._reader.missed and self._index.method != "decode":
            # The demuxer listed a first frame that does not decode (e.g. a stream cut before its
            # first keyframe): the packet list is not the frame list here, so count by decoding.
            log.info("first frame of %s is not the first packet; indexing by a full decode", self.path)
            self._reader.close()
            self._use_index(full_decode(str(self.path)))
            self._reader = Reader(self.path, self._index, threaded=False)
            first = self._reader.read(0)
        return first

    def _probe(self) -> None:
        with av.open(str(self.path)) as container:
            if not container.streams.video:
                raise VideoOpenError(f"'{self.path.name}' has no video stream (it may be audio only); pick a video file.")
            stream = container.streams.video[0]
            self.codec = stream.codec_context.name
            self.has_audio = bool(container.streams.audio)
            self._time_base = time_base = stream.time_base
            self._nominal = stream.average_rate or stream.guessed_rate or stream.base_rate
            self._start_pts = stream.start_time
            if stream.duration and time_base:
                self._declared = float(stream.duration * time_base)
            elif container.duration:
                self._declared = container.duration / 1e6
            else:
                self._declared = None
        self._use_index(build_index(str(self.path)))

    def _use_index(self, index: FrameIndex) -> None:
        """Frame count, timestamps, fps, duration and note from a frame index."""
        self._index = index
        time_base, nominal, declared = self._time_base, self._nominal, self._declared
        n = len(index.pts)
        if n == 0:
            raise VideoOpenError(
                f"'{self.path.name}' has no frames that can be decoded; try another file or convert it with ffmpeg."
            )
        self.frame_count = n
        if index.seekable and time_base:
            self.timestamps = (index.pts - index.pts[0]).astype(np.float64) * float(time_base)
        else:  # no usable pts: evenly spaced at the nominal rate
            self.timestamps = np.arange(n, dtype=np.float64) / float(nominal or 30)
        span = self.timestamps[-1]
        # Average over the real timestamps; a single frame has none, so the stream's rate (or 30) stands in.
        self.fps = (n - 1) / span if n > 1 and span > 0 else float(nominal or 30)
        if index.last_duration and time_base:
            last = index.last_duration * float(time_base)
        else:
            last = 1.0 / float(nominal) if nominal else 1.0 / self.fps
        self.duration = float(span + last)
        slack = max(3.0 / self.fps, 0.02 * (declared or 0))
        late = (
            index.seekable
            and self._start_pts is not None
            and time_base
            and (index.pts[0] - self._start_pts) * float(time_base) > slack
        )
        # Containers disagree on whether the declared duration counts from 0 or from the first pts.
        end = max(self.duration, float(index.pts[-1] * time_base) + last if index.seekable and time_base else 0.0)
        short = declared is not None and end < declared - slack
        if late:
            self.note = f"The start of the file is damaged: {n} frames could be read."
        elif short:
            self.note = f"The file ends early: {n} frames could be read."
        elif index.damaged:
            self.note = f"The file is damaged in places: {n} frames could be read."
        else:
            self.note = None

    def _to_rgb(self, frame) -> np.ndarray:
        return Frame(frame, self.rotation // 90).rgb

    def frame_at(self, index: int) -> np.ndarray:
        """The index-th decodable frame as upright RGB (H, W, 3) uint8; IndexError when out of range."""
        index = int(index)
        if index < 0:
            index += self.frame_count
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is out of range (the video has {self.frame_count} frames)")
        with self._lock:
            if self._cache is not None and self._cache[0] == index:
                return self._cache[1].copy()
            try:
                rgb = self._to_rgb(self._reader.read(index))
            except (av.FFmpegError, OSError, ReadFailed):
                log.exception("reading frame %d of %s failed", index, self.path)
                self._reader.close()
                raise _lost(self.path) from None
            self._cache = (index, rgb)
            return rgb.copy()

    def frames(self, start: int = 0, stop: int | None = None, *, lazy: bool = False,
               threaded: bool = True) -> Iterator[tuple[int, float, np.ndarray | Frame]]:
        """Yield (index, seconds, upright RGB) for frames start..stop-1, decoding sequentially.

        lazy=True yields a video Frame instead of the RGB array: a model crops it from the decoder's YUV
        (frame.py); `frame.rgb` is the same array the default gives, converted on first use.
        threaded=False: the decoder on the calling thread alone, for callers that already keep every core busy
        (FFmpeg's frame threads then only add CPU)."""
        stop = self.frame_count if stop is None else min(int(stop), self.frame_count)
        start = max(0, int(start))
        if start >= stop:
            return
        reader = Reader(self.path, self._index, threaded=threaded)
        turns = self.rotation // 90
        try:
            for i in range(start, stop):
                try:
                    frame = Frame(reader.read(i), turns)
                    picture = frame if lazy else frame.rgb
                except (av.FFmpegError, OSError, ReadFailed):
                    log.exception("reading frame %d of %s failed", i, self.path)
                    raise _lost(self.path) from None
                yield i, float(self.timestamps[i]), picture
        finally:
            reader.close()

    def close(self) -> None:
        with self._lock:
            self._reader.close()
            self._cache = None

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VideoSource({str(self.path)!r}, {self.width}x{self.height}, {self.frame_count} frames, {self.fps:.3f} fps)"


def probe(path) -> VideoSource:
    """Open `path` (same as VideoSource(path)); raises VideoOpenError with a sentence for the user."""
    return VideoSource(path)


def decode_fps(path) -> float:
    """Frames per second of a sequential decode of every frame to upright RGB (the open is not timed)."""
    with VideoSource(path) as source:
        t0 = time.perf_counter()
        n = sum(1 for _ in source.frames())
        return n / max(time.perf_counter() - t0, 1e-9)
