"""MediaPipe's Pose (mediapipe==0.10.14) on crops, one person each: the reference for several people.

    run_mediapipe_crops.py IN.npz OUT.npz --complexity 0|1|2 [--video]
IN.npz holds crops as crop_0, crop_1, ... (uint8 RGB, any size). Each crop is analysed on its own
(static_image_mode=True), or with --video as consecutive frames of one video (the crops then being the
same person cut out of consecutive frames, the same size). OUT.npz: landmarks (N, 33, 2) in crop pixels,
NaN where MediaPipe found nobody. Runs in MediaPipe's own virtualenv, like run_mediapipe.py.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    import mediapipe as mp

    parser = argparse.ArgumentParser()
    parser.add_argument("inp")
    parser.add_argument("out")
    parser.add_argument("--complexity", type=int, choices=(0, 1, 2), default=1)
    parser.add_argument("--video", action="store_true")
    args = parser.parse_args()
    with np.load(args.inp) as data:
        crops = [data[f"crop_{i}"] for i in range(len(data.files))]
    out = np.full((len(crops), 33, 2), np.nan)
    with mp.solutions.pose.Pose(static_image_mode=not args.video, model_complexity=args.complexity,
                                smooth_landmarks=False, enable_segmentation=False, min_detection_confidence=0.5,
                                min_tracking_confidence=0.5) as pose:
        for i, crop in enumerate(crops):
            res = pose.process(np.ascontiguousarray(crop))
            if res.pose_landmarks is not None:
                h, w = crop.shape[:2]
                out[i] = [[p.x * w, p.y * h] for p in res.pose_landmarks.landmark]
    np.savez(args.out, landmarks=out)


if __name__ == "__main__":
    main()
