"""MediaPipe's own BlazePose (mediapipe==0.10.14, mp.solutions.pose) on a clip: the reference our port is tested against.

Runs in its own virtualenv (see setup_venv.sh), never in the app's: mediapipe needs numpy<2 and brings
opencv-contrib-python, which clashes with the app's opencv-python-headless.

    run_mediapipe.py VIDEO OUT.npz --complexity 0|1|2 [--frames N]
        Video mode (static_image_mode=False, smooth_landmarks=False) over the frames decoded by Pose
        Studio's own VideoSource (imported from this checkout, so the frames are the very same upright RGB
        arrays the app analyses). Saves per frame: landmarks in pixels (NaN where no person), visibility,
        presence flag, world landmarks, and a SHA-1 of each frame so the test can prove the frames match.
    run_mediapipe.py VIDEO --bench --complexity 1 [--frames N]
        Speed as a MediaPipe user gets it: OpenCV decoding, whole clip, video mode; prints `mediapipe_fps: X`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _pose(complexity: int):
    import mediapipe as mp

    return mp.solutions.pose.Pose(static_image_mode=False, model_complexity=complexity, smooth_landmarks=False,
                                  enable_segmentation=False, min_detection_confidence=0.5,
                                  min_tracking_confidence=0.5)


def reference(video: str, out: str, complexity: int, max_frames: int | None) -> None:
    sys.path.insert(0, str(REPO / "desktop"))
    from posestudio.core.video.source import VideoSource

    landmarks, visibility, world, hashes = [], [], [], []
    with VideoSource(video) as source, _pose(complexity) as pose:
        w, h = source.width, source.height
        for i, _t, rgb in source.frames():
            if max_frames is not None and i >= max_frames:
                break
            hashes.append(hashlib.sha1(np.ascontiguousarray(rgb).tobytes()).hexdigest())
            res = pose.process(rgb)
            if res.pose_landmarks is None:
                landmarks.append(np.full((33, 2), np.nan))
                visibility.append(np.full(33, np.nan))
                world.append(np.full((33, 3), np.nan))
                continue
            lm = res.pose_landmarks.landmark
            landmarks.append(np.array([[p.x * w, p.y * h] for p in lm]))
            visibility.append(np.array([p.visibility for p in lm]))
            wl = res.pose_world_landmarks.landmark
            world.append(np.array([[p.x, p.y, p.z] for p in wl]))
    landmarks = np.array(landmarks, dtype=np.float64).reshape(-1, 33, 2)
    tmp = Path(out).with_name(Path(out).name + ".part.npz")
    np.savez(tmp, landmarks=landmarks, visibility=np.array(visibility).reshape(-1, 33),
             world=np.array(world).reshape(-1, 33, 3), found=~np.isnan(landmarks[:, 0, 0]),
             frame_sha1=np.array(hashes), width=w, height=h, complexity=complexity)
    tmp.replace(out)  # atomic: a half-written cache is never read


def bench(video: str, complexity: int, max_frames: int | None) -> None:
    import cv2

    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise SystemExit(f"OpenCV cannot open {video}")
    with _pose(complexity) as pose:
        n = 0
        t0 = time.perf_counter()
        while max_frames is None or n < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            n += 1
        elapsed = time.perf_counter() - t0
    cap.release()
    print(f"frames: {n}")
    print(f"mediapipe_fps: {n / elapsed:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--complexity", type=int, choices=(0, 1, 2), default=1)
    parser.add_argument("--frames", type=int, default=None, help="only the first N frames")
    parser.add_argument("--bench", action="store_true", help="print MediaPipe's frames/s (OpenCV decoding)")
    args = parser.parse_args()
    if args.bench:
        bench(args.video, args.complexity, args.frames)
    elif args.out:
        reference(args.video, args.out, args.complexity, args.frames)
    else:
        parser.error("give OUT.npz, or --bench")


if __name__ == "__main__":
    main()
