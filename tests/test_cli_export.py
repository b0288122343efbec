"""`posestudio export` as a user runs it: one clip with its numbers, a batch, and bad input."""

from __future__ import annotations

import csv

import av
import pytest

from posestudio.cli import main

RUNNING = "sports2d_demo3_running_side.mp4"      # 47 frames with sound
DRIBBLE = "mmhuman3d_basketball_dribble_portrait12.mp4"  # 40 frames, no sound
MODEL = "movenet-lightning"


def _frames(path):
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0)), c.streams.video[0].codec_context.name, len(c.streams.audio)


def _one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_one_clip_with_angles_and_csv_then_the_cache_is_used(videos_dir, tmp_path, require_model, capsys):
    from posestudio.core.analysis.cache import cached_result_path
    from posestudio.core.video.source import VideoSource

    require_model(MODEL)
    out, data = tmp_path / "run.mp4", tmp_path / "run.csv"
    rc = main(["export", str(videos_dir / RUNNING), "-o", str(out), "--angles", "--plot", "--data", str(data),
               "--start", "0.2", "--model", MODEL, "-q"])
    assert rc == 0
    frames, codec, audio = _frames(out)
    with VideoSource(videos_dir / RUNNING) as src:
        assert frames == int((src.timestamps >= 0.2 - 5e-4).sum())
        cached = cached_result_path(src.fingerprint, MODEL)
    assert codec == "h264" and audio == 1
    with open(data, newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + 47 and "left_knee" in rows[0]  # the numbers cover the whole clip
    assert cached.is_file()  # analysed once, saved for the window and the next export
    stamp = cached.stat().st_mtime_ns
    assert main(["export", str(videos_dir / RUNNING), "-o", str(tmp_path / "again.mp4"), "--model", MODEL,
                 "-q"]) == 0
    assert cached.stat().st_mtime_ns == stamp
    assert "run.mp4" in capsys.readouterr().err


@pytest.mark.slow
def test_batch_to_a_folder_makes_one_clip_per_video(videos_dir, tmp_path, require_model, capsys):
    require_model(MODEL)
    folder = tmp_path / "out"
    rc = main(["export", str(videos_dir / RUNNING), str(videos_dir / DRIBBLE), "-o", str(folder),
               "--height", "240", "--data", "trc", "--model", MODEL])
    assert rc == 0
    made = sorted(p.name for p in folder.iterdir())
    assert made == sorted([f"{DRIBBLE[:-4]}_annotated.mp4", f"{DRIBBLE[:-4]}_annotated.trc",
                           f"{RUNNING[:-4]}_annotated.mp4", f"{RUNNING[:-4]}_annotated.trc"])
    assert _frames(folder / f"{RUNNING[:-4]}_annotated.mp4") == (47, "h264", 1)
    assert _frames(folder / f"{DRIBBLE[:-4]}_annotated.mp4") == (40, "h264", 0)
    assert "2/2 videos" in capsys.readouterr().err


@pytest.mark.parametrize("args, words", [
    (["-o", "{tmp}/x.avi"], "MP4"),
    (["-o", "{tmp}/x.mp4", "--start", "1", "--end", "0.5"], "--end"),
    (["-o", "{tmp}/x.mp4", "--start", "-1"], "--start"),
    (["-o", "{tmp}/x.mp4", "--height", "4"], "--height"),
    (["-o", "{tmp}/x.mp4", "--long"], "--data"),
    (["-o", "{tmp}/x.mp4", "--data", "{tmp}/x.xlsx"], "csv, json or trc"),
    (["-o", "{tmp}/x.mp4", "--data", "{tmp}/x.json", "--long"], "--long"),
])
def test_bad_options_exit_2_with_one_sentence(videos_dir, tmp_path, capsys, args, words):
    argv = ["export", str(videos_dir / RUNNING)] + [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(argv) == 2
    assert words in _one_sentence(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_unreadable_or_missing_video_exits_2(videos_dir, tmp_path, capsys):
    assert main(["export", str(videos_dir / "awkward" / "random_bytes.mp4"), "-o", str(tmp_path / "x.mp4")]) == 2
    _one_sentence(capsys.readouterr().err)
    assert main(["export", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "x.mp4")]) == 2
    assert "nope.mp4" in _one_sentence(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_several_videos_need_a_folder(videos_dir, tmp_path, capsys):
    target = tmp_path / "file.mp4"
    target.write_bytes(b"keep")
    assert main(["export", str(videos_dir / RUNNING), str(videos_dir / DRIBBLE), "-o", str(target)]) == 2
    assert "folder" in _one_sentence(capsys.readouterr().err)
    assert target.read_bytes() == b"keep"
