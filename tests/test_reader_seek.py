"""A new reader (VideoSource.frames from a frame on, as the window's display starts one after a jump) seeks to
the keyframe before its first frame instead of decoding from the start of the file: on an hour-long clip the
middle was minutes away."""

from __future__ import annotations

import numpy as np

from posestudio.core.video import reader as reader_module
from posestudio.core.video.source import VideoSource

DUMBBELL = "sports2d_demo5_dumbbell_lateral_raise.mp4"   # 540 frames, keyframes every 160


def test_frames_from_late_in_the_clip_decode_from_the_keyframe_before(videos_dir, monkeypatch):
    decoded = []
    original = reader_module.decode_frames

    def counting(container, stream, errors):
        for frame in original(container, stream, errors):
            decoded.append(frame.pts)
            yield frame

    monkeypatch.setattr(reader_module, "decode_frames", counting)
    with VideoSource(str(videos_dir / DUMBBELL)) as source:
        assert source.frame_count == 540
        index, _t, frame = next(source.frames(500))
        exact = source.frame_at(500)
    assert index == 500
    np.testing.assert_array_equal(frame, exact)
    assert 0 < len(decoded) < 60, len(decoded)   # from frame 480 on, not 500 frames from the start
