"""`posestudio --self-test`: prove an installed (or frozen) app can do its job without a display or network.

Each check prints one line, `ok   <check>` or `FAILED <check>: <sentence>`; the exit code is 0 only if all pass.
It exists so a packaged build can be verified on a machine that has no Python: missing shared libraries,
Qt plugins, codecs or model files show up here rather than as a crash after a user drops a video.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

log = logging.getLogger(__name__)

# Output shapes each model must produce for one frame (MODELS.md); extra outputs are allowed.
_EXPECTED_OUTPUTS = {
    "movenet-lightning": [(1, 1, 17, 3)],
    "movenet-thunder": [(1, 1, 17, 3)],
    "movenet-multipose": [(1, 6, 56)],
    "blazepose-detector": [(1, 2254, 12), (1, 2254, 1)],
    "blazepose-lite": [(1, 195), (1, 1), (1, 117)],
    "blazepose-full": [(1, 195), (1, 1), (1, 117)],
    "blazepose-heavy": [(1, 195), (1, 1), (1, 117)],
}

CLIP_FRAMES = 24
CLIP_SIZE = (320, 240)  # width, height; even numbers, as yuv420p needs


class CheckFailed(Exception):
    """A check's one-sentence reason for failing."""


def bundled_models_dir() -> Path:
    """The models folder inside a frozen bundle, else the per-user models folder."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "models"
    from posestudio.core.paths import models_dir

    return models_dir()


def synthetic_frame(width: int = 640, height: int = 480) -> np.ndarray:
    """An RGB picture of a stick figure on a gradient: deterministic, no files needed."""
    import cv2

    y, x = np.mgrid[0:height, 0:width]
    frame = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1),
                      np.full_like(x, 96)], axis=-1).astype(np.uint8)
    cx, top, unit = width // 2, height // 8, height // 8
    joints = {
        "head": (cx, top + unit // 2), "neck": (cx, top + unit), "hip": (cx, top + 3 * unit),
        "lhand": (cx - unit, top + 2 * unit), "rhand": (cx + unit, top + 2 * unit),
        "lfoot": (cx - unit // 2, top + 5 * unit), "rfoot": (cx + unit // 2, top + 5 * unit),
    }
    for a, b in [("neck", "hip"), ("neck", "lhand"), ("neck", "rhand"), ("hip", "lfoot"), ("hip", "rfoot")]:
        cv2.line(frame, joints[a], joints[b], (250, 220, 200), max(unit // 5, 2), cv2.LINE_AA)
    cv2.circle(frame, joints["head"], unit // 2, (250, 220, 200), -1, cv2.LINE_AA)
    return frame


def _model_inputs(session, model_id: str, frame: np.ndarray) -> dict[str, np.ndarray]:
    import cv2

    feeds = {}
    for inp in session.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else None for d in inp.shape]
        if len(shape) != 4:
            raise CheckFailed(f"the model's input {inp.name} has shape {inp.shape}, not an image batch")
        height = shape[1] or 256  # multipose takes any multiple of 32
        width = shape[2] or 256
        image = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)[None]
        if "int" in inp.type:
            feeds[inp.name] = image.astype(np.int32)
        elif model_id == "blazepose-detector":
            feeds[inp.name] = (image.astype(np.float32) / 127.5 - 1.0)
        else:
            feeds[inp.name] = image.astype(np.float32) / 255.0
    return feeds


def check_model(model_id: str, folder: Path, frame: np.ndarray) -> str:
    from posestudio.core.models.registry import model_info, verify_file

    path = folder / model_info(model_id)["onnx"]
    if not path.is_file():
        raise CheckFailed(f"{path} is missing; build the models with `posestudio models build`")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = min(2, os.cpu_count() or 1)
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a corrupt or truncated file
        log.exception("loading %s", path)
        raise CheckFailed(f"onnxruntime could not load {path.name} ({type(exc).__name__}); rebuild the models") from exc
    start = time.perf_counter()
    outputs = session.run(None, _model_inputs(session, model_id, frame))
    ms = (time.perf_counter() - start) * 1000
    shapes = [tuple(o.shape) for o in outputs]
    for want in _EXPECTED_OUTPUTS.get(model_id, []):
        if want not in shapes:
            raise CheckFailed(f"its outputs have shapes {shapes}, none is {want}")
    for out, shape in zip(outputs, shapes):
        if np.issubdtype(out.dtype, np.floating) and not np.isfinite(out).all():
            raise CheckFailed(f"an output of shape {shape} holds NaN or infinite values")
    # The manifest records the original model's outputs on a reference picture: this catches a file or a
    # runtime that loads and runs but computes something else.
    problems = verify_file(model_id, path)
    if problems:
        raise CheckFailed(f"it does not reproduce its reference output: {'; '.join(problems)}")
    return f"{ms:.0f} ms, matches reference"


def check_accelerator(folder: Path) -> str:
    """The execution provider the models run on (models.providers: an accelerator when onnxruntime has one,
    POSESTUDIO_PROVIDER overrides), proved by loading MoveNet Lightning with it when that file is there."""
    from posestudio.core.models import providers as execution
    from posestudio.core.models.registry import model_info

    short = execution.requested()  # a bad POSESTUDIO_PROVIDER fails here with its sentence
    path = folder / model_info("movenet-lightning")["onnx"]
    if path.is_file():
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=execution.session_providers())
        short = execution.note_session(session)
    return f"{execution.LABELS[short]}; onnxruntime offers {', '.join(execution.available())}"


def _write_clip(path: Path) -> list[np.ndarray]:
    """Encode a short H.264 clip of a moving square the way exports do (PyAV libx264, yuv420p)."""
    import av

    width, height = CLIP_SIZE
    frames = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i in range(CLIP_FRAMES):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[..., 0] = 40 + 8 * i
            rgb[..., 2] = 200
            x = 10 + 10 * i
            rgb[80:160, x:x + 60] = (255, 255, 0)
            frames.append(rgb)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return frames


def check_video(workdir: Path) -> str:
    clip = workdir / "selftest.mp4"
    try:
        originals = _write_clip(clip)
    except Exception as exc:
        log.exception("encoding %s", clip)
        raise CheckFailed(f"H.264 encoding with PyAV failed ({type(exc).__name__}: {exc})") from exc
    from posestudio.core.video.source import VideoSource

    with VideoSource(clip) as video:
        if (video.width, video.height) != CLIP_SIZE:
            raise CheckFailed(f"the clip decodes at {video.width}x{video.height}, not {CLIP_SIZE[0]}x{CLIP_SIZE[1]}")
        if video.frame_count != CLIP_FRAMES:
            raise CheckFailed(f"{video.frame_count} frames decode from a clip of {CLIP_FRAMES}")
        middle = CLIP_FRAMES // 2
        diff = np.abs(video.frame_at(middle).astype(np.int16) - originals[middle].astype(np.int16)).mean()
    if diff > 8:
        raise CheckFailed(f"frame {middle} differs from what was encoded by {diff:.1f} levels on average")
    return f"{CLIP_FRAMES} frames {CLIP_SIZE[0]}x{CLIP_SIZE[1]}"


def _platform_plugins() -> list[str]:
    if sys.platform.startswith("linux"):
        return ["xcb", "offscreen"]
    if sys.platform == "win32":
        return ["windows"]
    if sys.platform == "darwin":
        return ["cocoa"]
    return ["offscreen"]


def check_qt() -> str:
    """Qt imports, its platform plugins load (their shared libraries resolve), and a widget can draw."""
    from PySide6 import QtCore, QtGui, QtWidgets

    plugin_dir = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    loaded = []
    for name in _platform_plugins():
        matches = sorted(plugin_dir.glob(f"*q{name}.*"))
        if not matches:
            raise CheckFailed(f"the Qt platform plugin '{name}' is not in {plugin_dir}")
        loader = QtCore.QPluginLoader(str(matches[0]))
        if not loader.load():
            raise CheckFailed(f"the Qt platform plugin '{name}' cannot load: {loader.errorString()}")
        loaded.append(name)

    app = QtWidgets.QApplication.instance()
    if app is None:  # offscreen needs no display, so this also works over ssh and in CI
        app = QtWidgets.QApplication(["posestudio-selftest", "-platform", "offscreen"])
    label = QtWidgets.QLabel("Pose Studio")
    image = QtGui.QImage(64, 64, QtGui.QImage.Format.Format_RGB32)
    image.fill(0)
    label.render(image)
    label.deleteLater()
    import pyqtgraph  # noqa: F401  (the timeline's plotting library must be in the bundle too)

    return f"Qt {QtCore.qVersion()}, platforms {', '.join(loaded)}"


def check_user_folders() -> str:
    from posestudio.core.atomic import atomic_path
    from posestudio.core.paths import cache_dir, log_dir

    for folder in (cache_dir(), log_dir()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(folder / ".selftest") as tmp:
                Path(tmp).write_text("ok\n")
            (folder / ".selftest").unlink()
        except OSError as exc:
            raise CheckFailed(f"{folder} is not writable ({exc.strerror}); check its permissions") from exc
    return f"cache {cache_dir()}, logs {log_dir()}"


def _one_sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, (CheckFailed,)) and not text.startswith(type(exc).__name__):
        text = f"{type(exc).__name__}: {text}"
    return text


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every check, print one line each, return 0 only if all pass."""
    stream = stream or sys.stdout
    from posestudio.core.models.registry import ALL_IDS  # the six pose models plus the BlazePose person detector

    folder = bundled_models_dir()
    frame = synthetic_frame()
    checks: list[tuple[str, Callable[[], str]]] = [("qt", check_qt), ("accelerator", lambda: check_accelerator(folder))]
    checks += [(f"model {m}", lambda m=m: check_model(m, folder, frame)) for m in ALL_IDS]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="posestudio-selftest-") as tmp:
        checks += [("video encode+decode", lambda: check_video(Path(tmp))), ("user folders", check_user_folders)]
        for name, check in checks:
            try:
                detail = check()
            except Exception as exc:
                failures += 1
                log.exception("self-test check %s failed", name)
                print(f"FAILED {name}: {_one_sentence(exc)}", file=stream, flush=True)
            else:
                log.info("self-test %s ok (%s)", name, detail)
                print(f"ok   {name} ({detail})" if detail else f"ok   {name}", file=stream, flush=True)
    return 1 if failures else 0
