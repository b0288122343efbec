"""Annotated clips from real videos: format, frames, timing, audio, overlay, cancel and atomic replacement."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest

from posestudio.core.errors import Cancelled
from posestudio.core.export.video_export import (ExportError, VideoExportOptions, export_video, frame_range,
                                                 output_size)
from posestudio.core.render import OverlayOptions
from posestudio.core.video.source import VideoSource

RUNNING = "sports2d_demo3_running_side.mp4"        # 480x352, 47 frames, H.264 + AAC
DRIBBLE = "mmhuman3d_basketball_dribble_portrait12.mp4"  # 1080x1920, 12 fps, no audio
VP9_AAC = "pose2sim_single_cam02_vp9.mp4"           # VP9 + AAC


def _probe(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [(f.pts * f.time_base, f) for f in c.decode(v)]
        times = np.array([float(t) for t, _ in frames])
        first = frames[0][1].to_ndarray(format="rgb24")
        c.seek(0)
        audio = [s.codec_context.name for s in c.streams.audio]
        return {"codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt, "times": times,
                "width": v.codec_context.width, "height": v.codec_context.height, "audio": audio,
                "first": first, "duration": c.duration / 1e6 if c.duration else None,
                "faststart": path.read_bytes().find(b"moov") < path.read_bytes().find(b"mdat")}


def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_whole_clip_is_h264_with_the_source_frames_timing_and_sound(videos_dir, tmp_path):
    out = tmp_path / "run.mp4"
    with VideoSource(videos_dir / RUNNING) as src:
        report = export_video(src, out, None, VideoExportOptions(overlay=OverlayOptions(title="Run")))
        src_times = src.timestamps.copy()
        interval = float(np.median(np.diff(src_times)))
    info = _probe(out)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"]
    assert len(info["times"]) == len(src_times) == report.frames
    assert np.allclose(info["times"], src_times - src_times[0], atol=1e-4)  # same timing, not an assumed fps
    assert abs(info["duration"] - (src_times[-1] - src_times[0] + interval)) <= interval + 0.15  # + AAC tail
    assert info["audio"] == ["aac"] and report.audio == "copied"
    assert _leftovers(tmp_path, {"run.mp4"}) == []


def test_range_and_height_give_the_range_frames_at_even_size(videos_dir, tmp_path):
    out = tmp_path / "part.mp4"
    with VideoSource(videos_dir / RUNNING) as src:
        t = src.timestamps
        i0, i1 = frame_range(t, 0.4, 1.1)
        expected = int(np.sum((t >= 0.4 - 5e-4) & (t < 1.1 - 5e-4)))
        report = export_video(src, out, None, VideoExportOptions(start=0.4, end=1.1, height=241))
    info = _probe(out)
    assert i1 - i0 == expected == len(info["times"]) == report.frames
    assert info["times"][0] == 0.0
    span = float(t[i1 - 1] - t[i0])
    assert abs(info["times"][-1] - span) < 1e-3
    assert info["height"] == 240 and info["width"] % 2 == 0 and abs(info["width"] / 240 - 480 / 352) < 0.02
    with av.open(str(out)) as c:  # the sound is cut to the range too
        a = c.streams.audio[0]
        audio_seconds = sum(p.duration for p in c.demux(a) if p.duration) * a.time_base
    assert abs(float(audio_seconds) - (span + (t[1] - t[0]))) < 0.1


def test_output_size_and_bad_ranges():
    assert output_size(1080, 1920, None) == (1080, 1920)
    assert output_size(1768, 994, 480) == (854, 480)
    w, h = output_size(481, 353, None)  # yuv420p needs even sizes
    assert w % 2 == 0 and h % 2 == 0 and abs(w - 481) == 1 and abs(h - 353) == 1
    assert output_size(480, 352, 5000) == (480, 352)  # never upscaled
    t = np.arange(10) / 10
    with pytest.raises(ExportError):
        frame_range(t, 2.0, None)
    with pytest.raises(ExportError):
        frame_range(t, 0.5, 0.5)


def test_vp9_source_with_sound_becomes_h264_with_aac(videos_dir, tmp_path):
    out = tmp_path / "vp9.mp4"
    export_video(videos_dir / VP9_AAC, out, None, VideoExportOptions(end=0.5, height=320))
    info = _probe(out)
    assert info["codec"] == "h264" and info["audio"] == ["aac"] and info["height"] == 320


def test_no_sound_when_the_source_has_none(videos_dir, tmp_path):
    out = tmp_path / "dribble.mp4"
    report = export_video(videos_dir / DRIBBLE, out, None, VideoExportOptions(height=256, end=1.0))
    info = _probe(out)
    assert info["audio"] == [] and report.audio is None
    assert len(info["times"]) == 12  # 12 fps, first second


def _cancel_after(n):
    cancel = threading.Event()

    def progress(done, total):
        if done >= n:
            cancel.set()

    return cancel, progress


def test_cancel_leaves_no_file(videos_dir, tmp_path):
    cancel, progress = _cancel_after(5)
    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        export_video(videos_dir / RUNNING, out, None, VideoExportOptions(), progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_an_older_export_byte_identical(videos_dir, tmp_path):
    out = tmp_path / "keep.mp4"
    export_video(videos_dir / RUNNING, out, None, VideoExportOptions(end=0.5))
    before = out.read_bytes()
    cancel, progress = _cancel_after(10)
    with pytest.raises(Cancelled):
        export_video(videos_dir / RUNNING, out, None, VideoExportOptions(overlay=OverlayOptions(title="new")),
                     progress=progress, cancel=cancel)
    assert out.read_bytes() == before
    assert _leftovers(tmp_path, {"keep.mp4"}) == []


def test_first_frame_shows_the_skeleton_where_the_person_is(videos_dir, tmp_path, require_model):
    from posestudio.core.analysis.run import analyse_video

    require_model("movenet-lightning")
    plain, annotated = tmp_path / "plain.mp4", tmp_path / "annotated.mp4"
    with VideoSource(videos_dir / RUNNING) as src:
        result = analyse_video(src, "movenet-lightning")
        export_video(src, plain, None, VideoExportOptions(overlay=None))
        export_video(src, annotated, result, VideoExportOptions(overlay=OverlayOptions(angles=True, timestamp=False)))
    a = _probe(plain)["first"].astype(int)
    b = _probe(annotated)["first"].astype(int)
    slots = result.people_in_frame(0)
    assert slots, "the runner should be found in the first frame"
    person = result.keypoints[0, slots[0]]
    kps = person[np.isfinite(person[:, 2]) & (person[:, 2] >= 0.3)]
    assert len(kps) >= 5, "the runner should be found in the first frame"
    diff = np.abs(a - b).sum(axis=2)
    at_joints = [diff[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2].mean() for x, y, _ in kps]
    assert np.median(at_joints) > 60  # the joints are painted over
    # far from the person (the top-right corner) the two encodes of the same picture agree
    x1 = int(np.nanmax(person[:, 0])) + 60
    y1 = max(0, int(np.nanmin(person[:, 1])) - 60)
    if x1 < a.shape[1] - 20 and y1 > 20:
        assert diff[:y1, x1:].mean() < 6


def _with_pcm_sound(src, dst):
    """A copy of `src` in Matroska with its sound re-encoded as PCM, a codec MP4 does not carry as is."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="matroska") as out:
        vin, ain = inp.streams.video[0], inp.streams.audio[0]
        vout = out.add_stream_from_template(vin)
        aout = out.add_stream("pcm_s16le", rate=ain.codec_context.sample_rate)
        aout.layout = ain.codec_context.layout.name
        resampler = av.AudioResampler(format="s16", layout=aout.layout.name, rate=aout.rate)
        for packet in inp.demux(vin, ain):
            if packet.dts is None:
                continue
            if packet.stream is vin:
                packet.stream = vout
                out.mux(packet)
            else:
                for frame in packet.decode():
                    for f in resampler.resample(frame):
                        out.mux(aout.encode(f))
        out.mux(aout.encode(None))


def test_sound_in_another_codec_is_transcoded_to_aac(videos_dir, tmp_path):
    pcm = tmp_path / "pcm.mkv"
    _with_pcm_sound(videos_dir / RUNNING, pcm)
    out = tmp_path / "out.mp4"
    report = export_video(pcm, out, None, VideoExportOptions(start=0.3))
    assert report.audio == "transcoded"
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        decoded = sum(f.samples for f in c.decode(a)) / a.codec_context.sample_rate
    with av.open(str(pcm)) as c:  # to the end: all the sound after the in point, as the source has it
        a = c.streams.audio[0]
        expected = sum(f.samples for f in c.decode(a)) / a.codec_context.sample_rate - 0.3
    assert abs(decoded - expected) < 0.06, (decoded, expected)  # AAC frames are 23 ms
