"""OpenCV's own thread pool, turned off for the whole process.

Pose Studio already spreads its work over threads of its own: two segments of a clip analysed at once, a
decoder beside each model, the display's decoder while playing. OpenCV's pool then splits each small resize
or warp over workers that wait for the next job and take CPU from the models. Measured on the dumbbell clip
(2 cores, 4 interleaved rounds): the command line's analysis with BlazePose full 19.8 against 21.5 ms of CPU a
frame, MoveNet Lightning 19.1 against 20.0; the window playing while analysing 24.8 against 27.2.
"""

from __future__ import annotations


def opencv_on_callers_threads() -> None:
    """Every OpenCV call runs on the thread that makes it (idempotent; for each entry point)."""
    import cv2

    cv2.setNumThreads(1)
