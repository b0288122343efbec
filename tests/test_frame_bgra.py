"""A decoded Frame's BGRA picture (what a playing window shows) is its RGB frame with the channels swapped and
an opaque alpha, upright, on real clips: a rotated phone clip included."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.core.video.source import VideoSource


@pytest.mark.parametrize("clip", ["sports2d_demo5_dumbbell_lateral_raise.mp4", "awkward/phone_rotated90_running.mov"])
def test_bgra_is_the_upright_rgb_frame_in_the_screens_byte_order(videos_dir, clip):
    with VideoSource(videos_dir / clip) as source:
        rgb = source.frame_at(7)
        frame = next(f for _i, _t, f in source.frames(7, 8, lazy=True))
        bgra = frame.bgra()
    assert bgra.shape == rgb.shape[:2] + (4,) and bgra.dtype == np.uint8
    assert (bgra[..., 3] == 255).all()
    assert np.array_equal(bgra[..., 2::-1], rgb)


@pytest.mark.parametrize("clip", ["sports2d_demo5_dumbbell_lateral_raise.mp4", "awkward/phone_rotated90_running.mov"])
def test_bgra_shrunk_in_the_conversion_is_the_upright_frame_at_that_size(videos_dir, clip):
    import cv2

    with VideoSource(videos_dir / clip) as source:
        rgb = source.frame_at(7)
        frame = next(f for _i, _t, f in source.frames(7, 8, lazy=True))
        h, w = rgb.shape[:2]
        size = (w * 3 // 5, h * 3 // 5)   # (width, height), as the picture on screen
        small = frame.bgra(size=size)
    assert small.shape == (size[1], size[0], 4) and small.flags["C_CONTIGUOUS"]
    assert (small[..., 3] == 255).all()
    expected = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(int)
    # the scaler's own filter and chroma rounding, not another picture (a turned one differs by tens of levels)
    assert np.abs(small[..., 2::-1].astype(int) - expected).mean() < 3.0
