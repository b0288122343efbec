"""Compare our BlazePose with MediaPipe's on the same frames (used by tests/test_blazepose_mediapipe.py).

    .venv/bin/python tests/mediapipe_reference/agreement.py [--model blazepose-full ...] [--frames N] [CLIP ...]
prints the table for the README: clip, model, median distance as % of torso length, frames both found.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.core.models.registry import MEDIAPIPE_COMPLEXITY

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VIDEOS = REPO.parent / "shared" / "data" / "videos"
COMPLEXITY = MEDIAPIPE_COMPLEXITY  # our BlazePose id -> MediaPipe Pose model_complexity
REFERENCE_VERSION = 1  # bump when run_mediapipe.py changes what it saves: stale cached results are then ignored


def mediapipe_python() -> Path | None:
    """The reference venv's python: $POSESTUDIO_MEDIAPIPE_PYTHON, else .venv-mediapipe at the repo root."""
    env = os.environ.get("POSESTUDIO_MEDIAPIPE_PYTHON")
    candidates = [Path(env)] if env else []
    candidates.append(REPO / ".venv-mediapipe" / "bin" / "python")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def cache_dir() -> Path:
    """Reference results survive between runs here (keyed by clip, size, mtime, complexity, script version)."""
    path = Path(os.environ.get("POSESTUDIO_MEDIAPIPE_CACHE", Path(tempfile.gettempdir()) / "posestudio-mediapipe-ref"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cached(video: Path, complexity: int, frames: int | None) -> Path:
    st = video.stat()
    key = hashlib.sha1(f"{video.name}|{st.st_size}|{st.st_mtime_ns}|{complexity}|{frames}|"
                       f"{REFERENCE_VERSION}".encode()).hexdigest()[:16]
    return cache_dir() / f"{video.stem}-c{complexity}-{key}.npz"


def reference(video: Path, complexity: int, frames: int | None = None) -> dict:
    """MediaPipe's landmarks for the clip (runs the reference venv once, then reads the cache)."""
    python = mediapipe_python()
    if python is None:
        raise FileNotFoundError("no MediaPipe reference venv (run tests/mediapipe_reference/setup_venv.sh)")
    script = HERE / "run_mediapipe.py"
    out = _cached(video, complexity, frames)
    whole = _cached(video, complexity, None)
    if frames is not None and whole.is_file():  # the whole clip's result holds every shorter run
        out = whole
    if not out.is_file():
        cmd = [str(python), str(script), str(video), str(out), "--complexity", str(complexity)]
        if frames is not None:
            cmd += ["--frames", str(frames)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"MediaPipe reference failed on {video.name}: {proc.stderr[-2000:]}")
    with np.load(out) as data:
        ref = {k: data[k] for k in data.files}
    if frames is not None:
        for k in ("landmarks", "visibility", "world", "found", "frame_sha1"):
            ref[k] = ref[k][:frames]
    return ref


def ours(video: Path, model_id: str, frames: int | None = None, threads: int | None = None) -> dict:
    """Our estimator over the same frames, in video order, with the frames' SHA-1 to prove they match."""
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    est = create_estimator(model_id, threads=threads)
    landmarks, hashes = [], []
    t0 = time.perf_counter()
    with VideoSource(video) as src:
        # the frames the analysis gives the model (crops from the decoder's YUV); their RGB, made after the
        # model has looked (a frame with RGB made would be cropped from it), proves MediaPipe saw the same
        for i, _t, frame in src.frames(0, frames, lazy=True):
            people = est.estimate(frame)
            hashes.append(hashlib.sha1(np.ascontiguousarray(frame.rgb).tobytes()).hexdigest())
            landmarks.append(people[0].keypoints[:, :2] if people else np.full((33, 2), np.nan))
    return {"landmarks": np.array(landmarks, dtype=np.float64).reshape(-1, 33, 2), "frame_sha1": np.array(hashes),
            "detector_calls": est.detector.calls, "seconds": time.perf_counter() - t0}


def compare(ref: dict, mine: dict) -> dict:
    """Median over frames (both found) of each frame's median landmark distance, as % of the torso length."""
    n = min(len(ref["landmarks"]), len(mine["landmarks"]))
    a, b = ref["landmarks"][:n], mine["landmarks"][:n]
    ref_found = ~np.isnan(a[:, 0, 0])
    our_found = ~np.isnan(b[:, 0, 0])
    both = ref_found & our_found
    torso = np.linalg.norm(a[:, [11, 12]].mean(1) - a[:, [23, 24]].mean(1), axis=1)
    per_frame_px = np.median(np.linalg.norm(a - b, axis=2), axis=1)
    per_frame = per_frame_px / torso * 100.0
    return {
        "frames": n,
        "frames_match": bool(np.array_equal(ref["frame_sha1"][:n], mine["frame_sha1"][:n])),
        "ref_found": int(ref_found.sum()),
        "ours_found": int(our_found.sum()),
        "both": int(both.sum()),
        "median_pct": float(np.median(per_frame[both])) if both.any() else float("nan"),
        "p90_pct": float(np.percentile(per_frame[both], 90)) if both.any() else float("nan"),
        "median_px": float(np.median(np.linalg.norm(a - b, axis=2)[both])) if both.any() else float("nan"),
        "median_px_of_frames": float(np.median(per_frame_px[both])) if both.any() else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", help="clip names in shared/data/videos (default: all)")
    parser.add_argument("--model", action="append", dest="models", choices=sorted(COMPLEXITY),
                        help="repeat for several (default blazepose-full)")
    parser.add_argument("--frames", type=int, default=None)
    args = parser.parse_args()
    args.models = args.models or ["blazepose-full"]
    clips = [VIDEOS / c for c in args.clips] if args.clips else sorted(VIDEOS.glob("*.mp4"))
    print("| clip | model | median distance (% torso) | 90th pct (% torso) | median px | frames both found "
          "| MediaPipe found | we found | frames |")
    print("|---|---|---|---|---|---|---|---|---|")
    for clip in clips:
        for model in args.models:
            ref = reference(clip, COMPLEXITY[model], args.frames)
            mine = ours(clip, model, args.frames)
            r = compare(ref, mine)
            flag = "" if r["frames_match"] else " (FRAMES DIFFER)"
            print(f"| {clip.name}{flag} | {model} | {r['median_pct']:.2f} | {r['p90_pct']:.2f} | {r['median_px']:.2f} "
                  f"| {r['both']} | {r['ref_found']} | {r['ours_found']} | {r['frames']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
