"""`posestudio bench VIDEO --model ID [--mediapipe] [--frames N]`: how fast decoding, the model and the analysis are."""

from __future__ import annotations

import sys

from posestudio.core.models.registry import MEDIAPIPE_COMPLEXITY, MODEL_IDS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench", help="measure decode, model and whole-analysis speed on a clip",
        description="Print one `name: value` line each: decode_fps, inference_fps, analysis_fps, "
                    "analysis_over_inference, peak_memory_mb (peak resident set size of this process, from "
                    "getrusage); with --mediapipe also mediapipe_fps and ours_over_mediapipe (MediaPipe Pose, "
                    "same model size, video mode, OpenCV decoding, run in its own virtualenv).")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--model", "-m", required=True, choices=MODEL_IDS)
    p.add_argument("--mediapipe", action="store_true",
                   help=f"also time MediaPipe's own Pose (only for {', '.join(MEDIAPIPE_COMPLEXITY)})")
    p.add_argument("--frames", type=int, default=None, metavar="N", help="only the first N frames")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="rounds of every measurement; prints medians (steadier on a busy machine)")
    p.add_argument("--threads", type=int, default=None, help="onnxruntime threads (default: physical cores)")
    p.add_argument("--people", type=int, default=None, metavar="N",
                   help="instead: the whole analysis following 1, 2, ... N people (analysis_fps_K_people, "
                        "people_per_frame_K, detector_per_frame_K), the cost of following more people")
    p.set_defaults(func=run)


def run(args) -> int:
    from posestudio.bench.speed import run_benchmark
    from posestudio.core.errors import PoseStudioError

    if args.frames is not None and args.frames < 1:
        raise PoseStudioError("--frames must be at least 1.")
    if args.repeat < 1:
        raise PoseStudioError("--repeat must be at least 1.")
    if args.mediapipe:  # say so before minutes of measuring, not after
        from posestudio.bench.speed import mediapipe_python

        if args.model not in MEDIAPIPE_COMPLEXITY:
            raise PoseStudioError(f"MediaPipe has no counterpart of {args.model}; use --mediapipe with a BlazePose "
                                  "model.")
        if mediapipe_python() is None:
            raise PoseStudioError("MediaPipe's reference environment was not found; create it with "
                                  "`bash tests/mediapipe_reference/setup_venv.sh` or set POSESTUDIO_MEDIAPIPE_PYTHON.")

    def status(msg: str) -> None:
        print(f"bench: {msg}...", file=sys.stderr, flush=True)

    if args.people is not None:
        from posestudio.bench.speed import people_sweep

        if args.people < 1:
            raise PoseStudioError("--people must be at least 1.")
        for name, value in people_sweep(args.video, args.model, args.people, frames=args.frames,
                                        threads=args.threads, repeat=args.repeat, status=status).items():
            print(f"{name}: {value:.2f}")
        return 0

    results = run_benchmark(args.video, args.model, frames=args.frames, mediapipe=args.mediapipe,
                            threads=args.threads, repeat=args.repeat, status=status)
    for name, value in results.items():
        print(f"{name}: {value:.2f}")
    from posestudio.core.models import providers

    print(f"provider: {providers.describe()}")  # the figures above depend on it
    return 0
