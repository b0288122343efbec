"""VideoSource on the real clips: exact seeking, true frame counts, rotation, timestamps, awkward files."""

from __future__ import annotations

import logging
import random
import re
import time
from fractions import Fraction

import av
import numpy as np
import pytest

from posestudio.core.errors import VideoOpenError
from posestudio.core.video.source import VideoSource, decode_fps

CLIPS = [
    "mmaction2_basketball_gym_240p.mp4",
    "mmhuman3d_basketball_dribble_portrait12.mp4",
    "pose2sim_single_cam01_portrait60.mp4",
    "pose2sim_single_cam02_vp9.mp4",
    "sports2d_demo3_running_side.mp4",
    "sports2d_demo5_dumbbell_lateral_raise.mp4",
    "sports2d_demo_walk_jumpingjacks_flip.mp4",
]
PLAYABLE_AWKWARD = [
    "basketball_mjpeg.avi",
    "moviepy_chaplin_bw_pillarbox.mp4",
    "opencv_tree_no_person_cinepak.avi",
    "opencv_vtest_first15s_streamcopy.avi",
    "phone_rotated90_running.mov",
    "truncated_stream.mkv",
]
ONE_SENTENCE = re.compile(r"^[^\n]+\.$")


def _reference_decode(path, wanted: set[int]):
    """Plain PyAV decode of every frame, independent of VideoSource: (count, pts list, {i: upright rgb})."""
    kept, pts = {}, []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue
            for frame in frames:
                if len(pts) in wanted:
                    kept[len(pts)] = np.rot90(frame.to_ndarray(format="rgb24"), round(frame.rotation / 90) % 4)
                pts.append(frame.pts)
        time_base = stream.time_base
    return len(pts), np.asarray(pts, dtype=np.int64), time_base, kept


def _clip_path(videos_dir, name):
    return videos_dir / name if name in CLIPS else videos_dir / "awkward" / name


@pytest.mark.parametrize("name", CLIPS + PLAYABLE_AWKWARD)
@pytest.mark.slow
def test_frame_at_equals_sequential_frame_and_counts_are_real(videos_dir, name):
    path = _clip_path(videos_dir, name)
    with VideoSource(path) as source:
        n = source.frame_count
        rng = random.Random(1234)
        picks = [0, n - 1] + [rng.randrange(n) for _ in range(6)]
        rng.shuffle(picks)  # jump backwards and forwards
        count, pts, time_base, reference = _reference_decode(path, set(picks) | {n // 2, n // 2 + 1, n // 2 + 3})

        assert n == count, "frame_count must be the number of frames that really decode"
        expected_ts = (pts - pts[0]) * float(time_base)
        np.testing.assert_allclose(source.timestamps, expected_ts, atol=1e-9)

        # Every decoder here is bit-exact after a seek (measured), so arrays must be equal, not just close.
        for i in picks:
            got = source.frame_at(i)
            assert got.shape == (source.height, source.width, 3) and got.dtype == np.uint8
            assert np.array_equal(got, reference[i]), f"frame_at({i}) differs from the {i}-th decoded frame"
        for i in (n // 2, n // 2 + 1, n // 2 + 3):  # the read-on-without-seeking path
            if i < n:
                assert np.array_equal(source.frame_at(i), reference[i]), f"sequential frame_at({i}) is wrong"

        seen = 0
        for i, t, rgb in source.frames():
            assert i == seen and t == source.timestamps[i]
            if i in reference:
                assert np.array_equal(rgb, reference[i]), f"frames() item {i} is wrong"
            seen += 1
        assert seen == n


def test_cinepak_frame_count_is_what_decodes_not_the_header(videos_dir):
    path = videos_dir / "awkward" / "opencv_tree_no_person_cinepak.avi"
    with av.open(str(path)) as container:
        header_frames = container.streams.video[0].frames
        header_rate = float(container.streams.video[0].average_rate)
    with VideoSource(path) as source:
        assert source.frame_count == 68
        assert header_frames > source.frame_count  # the header claims 444
        assert source.note is None  # the rest are empty "repeat" chunks, not damage
        # Those repeats make the real time between kept frames uneven: timestamps follow them.
        assert np.ptp(np.diff(source.timestamps)) > 0
        # ...and the clip still lasts as long as the header says: the last kept frame is near the end.
        assert source.duration == pytest.approx(header_frames / header_rate, rel=0.02)


def test_rotated_mov_comes_out_upright(videos_dir):
    upright_reference = videos_dir / "sports2d_demo3_running_side.mp4"  # the same footage, stored upright
    with VideoSource(videos_dir / "awkward" / "phone_rotated90_running.mov") as rotated, VideoSource(
        upright_reference
    ) as reference:
        assert rotated.rotation == 90
        assert (rotated.width, rotated.height) == (480, 352)
        assert (rotated.width, rotated.height) == (reference.width, reference.height)
        for i in (0, rotated.frame_count // 2):
            ours = rotated.frame_at(i).astype(np.int16)
            ref = reference.frame_at(i).astype(np.int16)
            assert ours.shape == ref.shape == (352, 480, 3)
            close = np.abs(ours - ref).mean()
            upside_down = np.abs(np.rot90(ours, 2) - ref).mean()
            assert close < 4.0, f"frame {i} does not match the upright clip (mean difference {close:.1f})"
            assert upside_down > 5 * close  # the match means something: the wrong way round is far off


@pytest.mark.parametrize("name", CLIPS)
def test_timestamps_start_at_zero_increase_and_match_fps(videos_dir, name):
    path = videos_dir / name
    with av.open(str(path)) as container:
        nominal = float(container.streams.video[0].average_rate)
    with VideoSource(path) as source:
        ts = source.timestamps
        assert ts.dtype == np.float64 and ts.shape == (source.frame_count,)
        assert ts[0] == 0.0
        assert np.all(np.diff(ts) > 0)
        # These clips are constant rate: frame i sits at i / rate, within a millisecond.
        np.testing.assert_allclose(ts, np.arange(source.frame_count) / nominal, atol=1e-3)
        assert source.fps == pytest.approx(nominal, rel=1e-3)
        assert source.duration == pytest.approx(source.frame_count / nominal, rel=1e-3)
        assert source.note is None


@pytest.mark.parametrize(
    "name", ["empty.mp4", "random_bytes.mp4", "truncated_half.mp4", "truncated_stream.mkv"] + PLAYABLE_AWKWARD[:-1]
)
def test_every_awkward_file_reads_fully_or_gives_one_sentence(videos_dir, name):
    path = videos_dir / "awkward" / name
    started = time.monotonic()
    try:
        source = VideoSource(path)
    except VideoOpenError as exc:
        message = str(exc)
        assert ONE_SENTENCE.match(message) and message.count(". ") == 0, message
        assert path.name in message
    else:
        with source:
            n = 0
            for i, _, rgb in source.frames():
                assert rgb.shape == (source.height, source.width, 3) and rgb.dtype == np.uint8
                n += 1
            assert n == source.frame_count > 0
    assert time.monotonic() - started < 20


def test_every_file_in_awkward_is_covered(videos_dir):
    covered = {"empty.mp4", "random_bytes.mp4", "truncated_half.mp4", *PLAYABLE_AWKWARD}
    assert {p.name for p in (videos_dir / "awkward").iterdir()} <= covered


@pytest.mark.parametrize("name", ["empty.mp4", "random_bytes.mp4", "truncated_half.mp4"])
def test_unreadable_files_raise_video_open_error_and_log_the_cause(videos_dir, name, caplog):
    with caplog.at_level(logging.INFO), pytest.raises(VideoOpenError) as info:
        VideoSource(videos_dir / "awkward" / name)
    assert ONE_SENTENCE.match(str(info.value))
    assert "Traceback" not in str(info.value) and "Errno" not in str(info.value)
    if name != "empty.mp4":  # PyAV's own error goes to the log, not into the sentence
        assert any(record.exc_info for record in caplog.records)


def test_truncated_stream_gives_its_frames_and_a_note(videos_dir):
    path = videos_dir / "awkward" / "truncated_stream.mkv"
    count, _, _, _ = _reference_decode(path, set())
    with VideoSource(path) as source:
        assert source.frame_count == count > 0
        assert source.note == f"The file ends early: {count} frames could be read."
        assert sum(1 for _ in source.frames()) == count


def test_missing_folder_text_and_audio_only_files(tmp_path):
    with pytest.raises(VideoOpenError, match="does not exist"):
        VideoSource(tmp_path / "nope.mp4")
    with pytest.raises(VideoOpenError, match="folder"):
        VideoSource(tmp_path)
    text = tmp_path / "notes.mp4"
    text.write_text("these are not frames\n" * 50)
    with pytest.raises(VideoOpenError):
        VideoSource(text)
    audio = tmp_path / "voice.wav"
    with av.open(str(audio), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(VideoOpenError, match="no video stream"):
        VideoSource(audio)


def _write_lossless(path, frames, pts_ms, pix_fmt="gray"):
    """A lossless Matroska clip (FFV1) with the given pictures at the given times in milliseconds."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=25)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = pix_fmt
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.gop_size = 3
        for picture, pts in zip(frames, pts_ms):
            frame = av.VideoFrame.from_ndarray(picture, format=pix_fmt)
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_variable_rate_gray_odd_size_clip_is_exact(tmp_path):
    rng = np.random.default_rng(7)
    pictures = [rng.integers(0, 256, (17, 33), dtype=np.uint8) for _ in range(9)]
    pts_ms = [0, 40, 50, 130, 140, 300, 310, 320, 500]  # irregular, as phones write
    path = tmp_path / "vfr_gray.mkv"
    _write_lossless(path, pictures, pts_ms)
    with VideoSource(path) as source:
        assert (source.width, source.height, source.frame_count) == (33, 17, 9)
        np.testing.assert_allclose(source.timestamps, np.asarray(pts_ms) / 1000.0)
        assert source.fps == pytest.approx(8 / 0.5)
        for i in [8, 0, 5, 2, 3, 7, 1]:
            rgb = source.frame_at(i)
            assert rgb.shape == (17, 33, 3)
            assert np.array_equal(rgb[..., 0], pictures[i]) and np.array_equal(rgb[..., 2], pictures[i])
        with pytest.raises(IndexError):
            source.frame_at(9)
        assert [i for i, _, _ in source.frames(3, 6)] == [3, 4, 5]


def test_single_frame_clip_uses_the_stream_rate(tmp_path):
    path = tmp_path / "one.mkv"
    _write_lossless(path, [np.full((16, 16), 9, np.uint8)], [0])
    with VideoSource(path) as source:
        assert source.frame_count == 1 and source.timestamps.tolist() == [0.0]
        assert source.fps > 0 and source.duration > 0
        assert int(source.frame_at(0)[0, 0, 0]) == 9


def test_fingerprint_is_stable_and_tells_files_apart(videos_dir):
    a = VideoSource(videos_dir / "sports2d_demo3_running_side.mp4")
    b = VideoSource(videos_dir / "sports2d_demo3_running_side.mp4")
    c = VideoSource(videos_dir / "awkward" / "phone_rotated90_running.mov")
    try:
        assert a.fingerprint == b.fingerprint
        assert a.fingerprint != c.fingerprint
        assert re.fullmatch(r"[0-9a-f]{40}", a.fingerprint)
    finally:
        for source in (a, b, c):
            source.close()


def test_metadata_and_decode_fps(videos_dir):
    with VideoSource(videos_dir / "sports2d_demo3_running_side.mp4") as source:
        assert source.codec == "h264" and source.has_audio and source.rotation == 0
    with VideoSource(videos_dir / "mmaction2_basketball_gym_240p.mp4") as source:
        assert not source.has_audio
    assert decode_fps(videos_dir / "sports2d_demo3_running_side.mp4") > 0


def test_avi_cut_short_without_its_index_still_seeks_exactly(videos_dir, tmp_path):
    # An AVI loses its idx1 index (kept at the end) when cut; FFmpeg then seeks to the wrong place
    # while labelling frames with the pts asked for, so VideoSource must not trust seeks there.
    data = (videos_dir / "awkward" / "opencv_vtest_first15s_streamcopy.avi").read_bytes()
    path = tmp_path / "cut.avi"
    path.write_bytes(data[: len(data) * 2 // 5])
    with VideoSource(path) as source:
        n = source.frame_count
        assert source.note == f"The file ends early: {n} frames could be read."
        picks = [n // 2, 3, n - 2, 1, n // 3]  # not the last: its packet is cut in half
        count, _, _, reference = _reference_decode(path, set(picks))
        assert n == count
        for i in picks:
            assert np.array_equal(source.frame_at(i), reference[i]), f"frame_at({i}) is not frame {i}"


def test_stream_cut_mid_gop_counts_only_frames_that_decode(videos_dir, tmp_path):
    # Packets before the first keyframe are listed by the demuxer but the decoder drops them.
    path = tmp_path / "starts_mid_gop.mkv"
    with av.open(str(videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4")) as src, av.open(str(path), "w") as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        packets = [p for p in src.demux(stream) if p.size][100:250]  # a keyframe at 160
        for packet in packets:
            packet.stream = copy
            out.mux(packet)
    count, _, _, reference = _reference_decode(path, {0, 50})
    assert count < len(packets)
    with VideoSource(path) as source:
        assert source.frame_count == count
        assert source.note == f"The start of the file is damaged: {count} frames could be read."
        assert np.array_equal(source.frame_at(50), reference[50])
        assert np.array_equal(source.frame_at(0), reference[0])


def test_a_file_replaced_after_opening_gives_the_sentence_not_a_crash(videos_dir, tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes((videos_dir / "sports2d_demo3_running_side.mp4").read_bytes())
    with VideoSource(path) as source:
        path.write_bytes(b"\0" * 1000)
        with pytest.raises(VideoOpenError, match="could not be read any more"):
            list(source.frames())  # frames() opens the file again


def test_one_thread_decoding_gives_the_same_frames(videos_dir):
    """The two-segment analysis decodes on one thread each (core.analysis.segments): the pixels must be
    the very ones FFmpeg's frame threads give, from the start and from a frame after a seek."""
    with VideoSource(videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4") as source:
        for start, stop in ((0, 12), (283, 295)):
            threaded = list(source.frames(start, stop))
            single = list(source.frames(start, stop, threaded=False))
            assert [(i, t) for i, t, _ in single] == [(i, t) for i, t, _ in threaded] and len(single) == 12
            for (_i, _t, a), (_j, _u, b) in zip(threaded, single):
                assert np.array_equal(a, b)
