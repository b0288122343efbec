"""`posestudio analyze` as a user runs it: files written, exit codes, one sentence on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest


def _run(args, tmp_path):
    env = dict(os.environ, POSESTUDIO_LOGS=str(tmp_path / "logs"), POSESTUDIO_CACHE=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "posestudio", "analyze", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)


def test_analyze_one_clip_to_json(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "--model", "movenet-lightning",
                "-o", tmp_path / "run.json"], tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "run.json").read_text())
    assert len(data["frames"]) == 47 and data["model"] == "movenet-lightning"
    assert "47/47 frames" in out.stderr and "fps" in out.stderr  # the progress bar
    assert "Traceback" not in out.stderr


def test_analyze_several_clips_into_a_folder_with_one_failure(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    folder = tmp_path / "results"
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", videos_dir / "awkward" / "random_bytes.mp4",
                videos_dir / "awkward" / "phone_rotated90_running.mov", "-o", folder, "--format", "npz", "-q",
                "--model", "movenet-lightning"],
               tmp_path)
    assert out.returncode == 2
    assert sorted(p.name for p in folder.iterdir()) == ["phone_rotated90_running.npz",
                                                        "sports2d_demo3_running_side.npz"]
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "random_bytes.mp4" in lines[0] and "Traceback" not in out.stderr
    with np.load(folder / "phone_rotated90_running.npz") as data:
        assert data["keypoints"].shape[0] == 47


def test_unreadable_inputs_exit_2_with_one_sentence(videos_dir, tmp_path):
    # no model needed: the file is rejected before any model is loaded
    for name in ("random_bytes.mp4", "empty.mp4"):
        out = _run([videos_dir / "awkward" / name, "-o", tmp_path / "x.csv"], tmp_path)
        assert out.returncode == 2, out.stderr
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and name in lines[0] and lines[0].rstrip().endswith(".")
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "x.csv").exists()


def test_csv_output_and_bad_extension(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.csv", "-q", "-m",
                "movenet-lightning"], tmp_path)
    assert out.returncode == 0, out.stderr
    header = (tmp_path / "run.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["frame", "time_s", "person"] and len(header) == 54
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.xlsx"], tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr and ".json" in out.stderr


def test_missing_model_stops_with_one_sentence(videos_dir, tmp_path):
    env_models = tmp_path / "no_models"
    env_models.mkdir()
    env = dict(os.environ, POSESTUDIO_MODELS=str(env_models), POSESTUDIO_LOGS=str(tmp_path / "logs"))
    clips = [str(videos_dir / name) for name in ("sports2d_demo3_running_side.mp4", "mmaction2_basketball_gym_240p.mp4")]
    out = subprocess.run([sys.executable, "-m", "posestudio", "analyze", *clips, "-o", str(tmp_path / "o"), "-q"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not built yet" in lines[0] and "Traceback" not in out.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_angles_and_summary(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.csv", "-q", "--angles",
                "-m", "movenet-lightning",
                "--summary", tmp_path / "summary.csv"], tmp_path)
    assert out.returncode == 0, out.stderr
    lines = (tmp_path / "run.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[54:56] == ["left_knee", "left_knee_velocity"]
    knee = [row.split(",")[54] for row in lines[1:31]]
    values = [float(v) for v in knee if v]
    assert len(values) >= 25 and all(0 <= v <= 180 for v in values)
    assert max(values) - min(values) > 30  # a running knee bends and straightens
    summary = (tmp_path / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("video,model,person,angle,samples,min,max,range")
    assert any(",left_knee," in row for row in summary[1:])
    # the runner's three steps (counted by eye) and her cadence, in the row `gait`
    gait = next(dict(zip(summary[0].split(","), row.split(","))) for row in summary[1:] if ",gait," in row)
    assert gait["reps"] == "3"
    assert 150 <= float(gait["cycles_per_min"]) <= 210
    assert float(gait["period_s"]) == pytest.approx(60 / float(gait["cycles_per_min"]), abs=0.002)


# ----- the window's angle settings from the command line: --min-score, --cutoff, --no-smoothing -----

RUNNING = "sports2d_demo3_running_side.mp4"


def _read_csv(path) -> tuple[list[str], list[list[str]]]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _angle_cells(path, names) -> dict[str, np.ndarray]:
    """name -> values of the rows that hold a person (NaN for an empty cell), plus "frame" and "person"."""
    header, rows = _read_csv(path)
    rows = [r for r in rows if r[header.index("person")]]
    out = {key: np.array([int(r[header.index(key)]) for r in rows]) for key in ("frame", "person")}
    for name in names:
        col = header.index(name)
        out[name] = np.array([float(r[col]) if r[col] else np.nan for r in rows])
    return out


@pytest.fixture(scope="module")
def angle_runs(require_model, videos_dir, tmp_path_factory):
    """One clip analysed by the CLI as .npz (the result itself) and as angle CSVs with different settings."""
    require_model("movenet-lightning")
    folder = tmp_path_factory.mktemp("angle_runs")
    clip = videos_dir / RUNNING
    runs = {"npz": [], "default": ["--angles"], "raw": ["--angles", "--no-smoothing"],
            # 0.6, not 0.9: Lightning rarely scores a joint 0.9 here, and an all-empty file proves little
            "strict": ["--angles", "--min-score", "0.6"], "cutoff2": ["--angles", "--cutoff", "2"]}
    paths = {}
    for key, extra in runs.items():
        paths[key] = folder / (f"{key}.npz" if key == "npz" else f"{key}.csv")
        out = _run([clip, "-m", "movenet-lightning", "-q", "-o", paths[key], *extra], folder)
        assert out.returncode == 0, out.stderr
    return paths


def _flexion(a, b, c):
    """Degrees between segment a->b and segment b->c (0 = in line), with plain numpy."""
    u, v = b - a, c - b
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


JOINTS = {"knee": ("hip", "knee", "ankle"), "elbow": ("shoulder", "elbow", "wrist")}


@pytest.mark.slow
def test_no_smoothing_gives_the_raw_angles(angle_runs):
    """--no-smoothing writes each joint's angle straight from its row's keypoints: recomputed here with plain
    numpy from the arrays of the .npz the same analysis saved (read with numpy, not Pose Studio)."""
    with np.load(angle_runs["npz"]) as data:
        meta = json.loads(str(data["meta"]))
        kps, ids, t = data["keypoints"].astype(np.float64), data["person_ids"], data["timestamps"]
    names, width, height = meta["keypoint_names"], meta["width"], meta["height"]
    header, _ = _read_csv(angle_runs["raw"])
    columns = [f"{side}_{joint}" for side in ("left", "right") for joint in JOINTS]
    assert all(c in header and f"{c}_velocity" in header for c in columns)
    raw = _angle_cells(angle_runs["raw"], columns + [f"{c}_velocity" for c in columns])
    slots = [int(np.flatnonzero(ids[f] == p)[0]) for f, p in zip(raw["frame"], raw["person"])]
    points = kps[raw["frame"], slots]  # (rows, K, 3)
    x, y = points[..., 0], points[..., 1]
    # a point counts when scored at least 0.3 (the default threshold) and inside the picture
    seen = (points[..., 2] >= 0.3) & (x >= 0) & (y >= 0) & (x < width) & (y < height)

    def angle(side, joint, limb_side=None):
        """The angle at this side's joint; limb_side: whose knee and ankle (elbow and wrist) to take, as the
        side fix exchanges those (the hip and the shoulder stay)."""
        parts = JOINTS[joint]
        idx = [names.index(f"{side}_{parts[0]}")] + [names.index(f"{limb_side or side}_{p}") for p in parts[1:]]
        value = _flexion(*(points[:, i, :2] for i in idx))
        return np.where(seen[:, idx].all(axis=1), value, np.nan)

    for joint in JOINTS:
        for side, other in (("left", "right"), ("right", "left")):
            written = raw[f"{side}_{joint}"]
            same, swapped = angle(side, joint), angle(side, joint, limb_side=other)
            # the side fix may relabel mixed-up limbs, so a value is this side's or, relabelled, the other's
            near_same = np.abs(written - same) < 0.01
            near_other = np.abs(written - swapped) < 0.01
            finite = np.isfinite(written)
            assert finite.sum() >= len(written) // 2, (side, joint)
            assert np.all(near_same[finite] | near_other[finite]), (side, joint)
            assert near_same[finite].mean() > 0.8, (side, joint)
            assert np.all(finite[np.isfinite(same) & np.isfinite(swapped)]), (side, joint)
            # deg/s by central differences on the real timestamps, where a frame's neighbours are known
            speed = raw[f"{side}_{joint}_velocity"]
            f = raw["frame"]
            inner = np.flatnonzero((np.diff(f[:-1]) == 1) & (np.diff(f[1:]) == 1)
                                   & (raw["person"][:-2] == raw["person"][2:])
                                   & np.isfinite(written[:-2]) & np.isfinite(written[1:-1])
                                   & np.isfinite(written[2:])) + 1
            h0, h1 = t[f[inner]] - t[f[inner - 1]], t[f[inner + 1]] - t[f[inner]]
            expected = (h0 ** 2 * written[inner + 1] - h1 ** 2 * written[inner - 1]
                        + (h1 ** 2 - h0 ** 2) * written[inner]) / (h0 * h1 * (h0 + h1))
            assert len(inner) >= 5 and np.allclose(speed[inner], expected, atol=0.1), (side, joint)
    smoothed = _angle_cells(angle_runs["default"], ["left_knee"])["left_knee"]
    both = np.isfinite(smoothed) & np.isfinite(raw["left_knee"])
    assert both.sum() >= 20 and np.abs(smoothed[both] - raw["left_knee"][both]).max() > 1.0




@pytest.mark.slow
def test_min_score_and_cutoff_change_the_angles(angle_runs):
    header, _ = _read_csv(angle_runs["default"])
    names = [n for n in header[54:] if not n.endswith("_velocity")]
    default = _angle_cells(angle_runs["default"], names)
    strict = _angle_cells(angle_runs["strict"], names)
    empty = {key: sum(int(np.isnan(cells[n]).sum()) for n in names) for key, cells in (("default", default),
                                                                                       ("strict", strict))}
    total = len(names) * len(default["frame"])
    assert empty["default"] < empty["strict"] < total, (empty, total)

    def roughness(cells):  # mean absolute change between consecutive frames of one person's knee curves
        steps = []
        for knee in ("left_knee", "right_knee"):
            for pid in np.unique(cells["person"]):
                values = cells[knee][cells["person"] == pid]
                steps.append(np.abs(np.diff(values)))
        steps = np.concatenate(steps)
        return np.nanmean(steps), int(np.isfinite(steps).sum())

    (rough6, n6), (rough2, n2) = roughness(default), roughness(_angle_cells(angle_runs["cutoff2"], names))
    assert n6 >= 30 and n2 >= 30
    assert rough2 < 0.8 * rough6, (rough2, rough6)


def test_bad_angle_settings_exit_2_with_one_sentence(videos_dir, tmp_path):
    # no model needed: the values are checked before anything is opened or written
    for option, value in (("--min-score", "2"), ("--cutoff", "0"), ("--cutoff", "fast")):
        out = _run([videos_dir / RUNNING, "-o", tmp_path / "x.csv", "--angles", "--summary", tmp_path / "s.csv",
                    option, value], tmp_path)
        assert out.returncode != 0
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and option in lines[0] and lines[0].rstrip().endswith("."), out.stderr
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "x.csv").exists() and not (tmp_path / "s.csv").exists()


@pytest.mark.slow
def test_sudden_changes_in_the_angle_curves_are_pointed_out(require_model, videos_dir, tmp_path):
    """The gym clip: BlazePose corrects the player's left arm at frame 20 (drawn on a railing before)."""
    require_model("blazepose-full")
    out = _run([videos_dir / "mmaction2_basketball_gym_240p.mp4", "-q", "-o", tmp_path / "gym.csv",
                "--angles", "left_shoulder,right_knee"], tmp_path)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stderr.splitlines() if "sudden change" in x)
    assert line.startswith("posestudio: mmaction2_basketball_gym_240p.mp4: person 0: 1 sudden change in the "
                           "angle curves (faster than 1200°/s) at frame 20 (0.67 s: left_shoulder)"), line
    assert "leave it out in the window" in line
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-q", "-o", tmp_path / "run.csv", "--angles"],
               tmp_path)
    assert out.returncode == 0 and "sudden" not in out.stderr, out.stderr
