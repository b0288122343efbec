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
