"""Where the ONNX pose models live, what the manifest says about them, and how to run and verify them."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.errors import ModelMissingError, PoseStudioError
from posestudio.core.models import providers as execution
from posestudio.core.paths import models_dir, repo_root

log = logging.getLogger(__name__)

# The six user-facing pose models, in the order the app offers them; the detector is a helper of BlazePose.
MODEL_IDS = ("movenet-lightning", "movenet-thunder", "movenet-multipose",
             "blazepose-lite", "blazepose-full", "blazepose-heavy")
DETECTOR_ID = "blazepose-detector"
# the window's and the command line's model: about as fast as MoveNet Lightning on a laptop CPU, no phantom
# people on empty scenes, and heel and toe points for the ankle angles (README, Models)
DEFAULT_MODEL = "blazepose-full"
ALL_IDS = MODEL_IDS[:3] + (DETECTOR_ID,) + MODEL_IDS[3:]
BLAZEPOSE_IDS = tuple(m for m in MODEL_IDS if m.startswith("blazepose-"))
# BlazePose lite, full and heavy are MediaPipe Pose's model_complexity 0, 1 and 2 (its reference runs)
MEDIAPIPE_COMPLEXITY = {model_id: complexity for complexity, model_id in enumerate(BLAZEPOSE_IDS)}
STAMP_NAME = ".verified.json"


class UnknownModelError(PoseStudioError):
    """A model id that the manifest does not list."""


@functools.lru_cache(maxsize=1)
def _load_manifest(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def manifest_path() -> Path:
    root = repo_root()
    if root is None:
        raise PoseStudioError("The model manifest models/manifest.json was not found; reinstall Pose Studio from its "
                              "repository or bundle.")
    return root / "models" / "manifest.json"


def manifest() -> dict:
    """The whole manifest (`models/manifest.json`); treat it as read-only."""
    return _load_manifest(str(manifest_path()))


def model_info(model_id: str) -> dict:
    """Manifest entry of one model: family, keypoints, input_size, licence, source, reference, speed, accuracy..."""
    models = manifest()["models"]
    if model_id not in models:
        raise UnknownModelError(f"Unknown model '{model_id}'; known models are: {', '.join(models)}.")
    return models[model_id]


def model_file(model_id: str) -> Path:
    """Where the model's ONNX file belongs, whether or not it is there."""
    return models_dir() / model_info(model_id)["onnx"]


def model_path(model_id: str) -> Path:
    """The built ONNX file; raises ModelMissingError (naming the build command) when it is absent."""
    path = model_file(model_id)
    if not path.is_file():
        raise ModelMissingError(model_id)
    return path


def physical_cores() -> int:
    """Physical cores usable by this process (hyper-threads rarely help convolution-heavy inference)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    cores = set()
    try:
        phys = core = None
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "physical id":
                phys = value.strip()
            elif key == "core id":
                core = value.strip()
            elif not line.strip():
                if core is not None:
                    cores.add((phys, core))
                phys = core = None
        if core is not None:
            cores.add((phys, core))
    except OSError:
        pass
    physical = len(cores) or (os.cpu_count() or 1)
    return max(1, min(physical, usable))


def providers() -> list[str]:
    """An accelerator when this onnxruntime has one (CUDA, Core ML, DirectML), then the CPU; see
    models.providers (POSESTUDIO_PROVIDER overrides)."""
    return execution.session_providers()


def create_session(model_id: str, threads: int | None = None):
    """An onnxruntime session for a built model, with all graph optimisations and `threads` intra-op threads."""
    import onnxruntime as ort

    path = model_path(model_id)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = int(threads) if threads else physical_cores()
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # Idle onnxruntime threads would busy-wait between runs and starve the analysis' decode thread.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    chosen = providers()  # a bad POSESTUDIO_PROVIDER is its own sentence, not "cannot be loaded"
    try:
        session = ort.InferenceSession(str(path), sess_options=opts, providers=chosen)
    except Exception as exc:  # a truncated or foreign file: say how to fix it
        log.exception("cannot load %s", path)
        raise PoseStudioError(f"The model file {path} cannot be loaded ({type(exc).__name__}); rebuild it with "
                              f"`posestudio models build --force {model_id}`.") from exc
    execution.note_session(session)
    return session


# ----------------------------------------------------------------------------------------------------------
# Reference input and verification


def reference_image(height: int, width: int) -> np.ndarray:
    """A deterministic RGB uint8 picture: a thick stick figure on a graded background.

    Integer and float64 arithmetic only, so the converter (which receives it as .npy) and every later
    check see the same bytes. A figure gives the pose models clear peaks, so tiny float differences
    between runtimes do not flip an argmax.
    """
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = 40 + (120 * y) // max(height - 1, 1)
    img[..., 1] = 90 + (60 * x) // max(width - 1, 1)
    img[..., 2] = 200 - (100 * y) // max(height - 1, 1)
    u = (x + 0.5) / width
    v = (y + 0.5) / height
    # joints in fractions of the picture (x, y): a person facing the camera, arms slightly raised
    j = {"head": (0.50, 0.16), "neck": (0.50, 0.27), "hip": (0.50, 0.55),
         "ls": (0.41, 0.29), "le": (0.33, 0.40), "lw": (0.27, 0.30),
         "rs": (0.59, 0.29), "re": (0.66, 0.42), "rw": (0.70, 0.54),
         "lh": (0.45, 0.55), "lk": (0.43, 0.72), "la": (0.42, 0.90),
         "rh": (0.55, 0.55), "rk": (0.58, 0.72), "ra": (0.60, 0.90)}
    bones = [("neck", "hip"), ("ls", "rs"), ("ls", "le"), ("le", "lw"), ("rs", "re"), ("re", "rw"),
             ("lh", "rh"), ("lh", "lk"), ("lk", "la"), ("rh", "rk"), ("rk", "ra"), ("neck", "head")]
    colour = {"neck": (200, 60, 50), "ls": (230, 200, 170), "rs": (230, 200, 170), "le": (230, 200, 170),
              "re": (230, 200, 170), "lh": (40, 40, 110), "rh": (40, 40, 110), "lk": (40, 40, 110),
              "rk": (40, 40, 110)}
    for a, b in bones:
        (ax, ay), (bx, by) = j[a], j[b]
        dx, dy = bx - ax, by - ay
        t = np.clip(((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        d = np.hypot(u - (ax + t * dx), v - (ay + t * dy))
        img[d < 0.035] = colour.get(a, (230, 200, 170))
    hx, hy = j["head"]
    img[np.hypot(u - hx, (v - hy) * height / width) < 0.07] = (225, 190, 160)
    return img


def reference_input(model_id: str) -> np.ndarray:
    """The batch tensor the manifest's reference outputs were recorded on."""
    spec = model_info(model_id)["reference"]["input"]
    img = reference_image(spec["height"], spec["width"])[None]
    if spec["dtype"] == "int32":
        return img.astype(np.int32)
    return (img.astype(np.float32) * np.float32(spec["scale"]) + np.float32(spec["offset"])).astype(np.float32)


def compare_reference(model_id: str, outputs: dict[str, np.ndarray], expected: dict | None = None) -> list[str]:
    """Differences between outputs and the recorded reference, as sentences; empty when they agree.

    Values are compared relative to each output's largest magnitude (tolerance `rtol`), sums relative to
    the sum of magnitudes, so pixel-valued and probability-valued outputs get the same strictness.
    """
    ref = model_info(model_id)["reference"]
    expected = expected if expected is not None else ref["outputs"]
    rtol = float(ref["rtol"])
    problems = []
    for name, want in expected.items():
        if name not in outputs:
            problems.append(f"output {name} is missing")
            continue
        got = np.asarray(outputs[name], dtype=np.float64)
        if list(got.shape) != list(want["shape"]):
            problems.append(f"output {name} has shape {list(got.shape)}, expected {want['shape']}")
            continue
        flat = got.ravel()
        scale = max(float(want["max_abs"]), 1e-6)
        pairs = list(zip(flat[: len(want["head"])], want["head"]))
        pairs += list(zip(flat[np.asarray(want["sample_index"], dtype=np.int64)], want["samples"]))
        worst = max(abs(a - b) for a, b in pairs) / scale
        if worst > rtol:
            problems.append(f"output {name} differs by {worst:.2e} of its range (allowed {rtol:.0e})")
        sum_err = abs(float(flat.sum()) - want["sum"]) / max(float(want["abs_sum"]), 1e-6)
        if sum_err > rtol:
            problems.append(f"output {name} sum differs by {sum_err:.2e} relative (allowed {rtol:.0e})")
    return problems


def run_reference(model_id: str, path: Path | None = None, threads: int = 1) -> dict[str, np.ndarray]:
    """Run the ONNX file on the reference input; outputs by name."""
    import onnxruntime as ort

    path = path or model_path(model_id)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    feed = {sess.get_inputs()[0].name: reference_input(model_id)}
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feed)))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _reference_key(model_id: str) -> str:
    blob = json.dumps(model_info(model_id)["reference"], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _stamp_file() -> Path:
    return models_dir() / STAMP_NAME


def _read_stamps() -> dict:
    try:
        return json.loads(_stamp_file().read_text())
    except (OSError, ValueError):
        return {}


def _write_stamp(model_id: str, entry: dict | None) -> None:
    stamps = _read_stamps()
    if entry is None:
        stamps.pop(model_id, None)
    else:
        stamps[model_id] = entry
    try:
        with atomic_path(_stamp_file()) as tmp:
            tmp.write_text(json.dumps(stamps, indent=1))
    except OSError:  # a read-only model folder still works, it just verifies every time
        log.warning("cannot write %s", _stamp_file(), exc_info=True)


def verify_file(model_id: str, path: Path) -> list[str]:
    """Problems found running `path` on the reference input (empty list: it matches the manifest)."""
    try:
        outputs = run_reference(model_id, path)
    except Exception as exc:
        log.exception("reference run of %s failed", path)
        return [f"the file cannot be run ({type(exc).__name__}: {exc})"]
    wanted = [o["name"] for o in model_info(model_id)["outputs"] if not o.get("dropped")]
    if sorted(outputs) != sorted(wanted):  # e.g. built before an output was cut: rebuild it
        return [f"the file has outputs {sorted(outputs)}, expected {sorted(wanted)}"]
    return compare_reference(model_id, outputs)


def verify(model_id: str, use_cache: bool = True) -> bool:
    """True when the built model reproduces the manifest's reference output (cached per file checksum)."""
    path = model_path(model_id)
    st = path.stat()
    stamp = _read_stamps().get(model_id) if use_cache else None
    ref_key = _reference_key(model_id)
    if (stamp and stamp.get("size") == st.st_size and stamp.get("mtime_ns") == st.st_mtime_ns
            and stamp.get("reference") == ref_key):
        return bool(stamp.get("ok"))
    sha = file_sha256(path)
    if stamp and stamp.get("sha256") == sha and stamp.get("reference") == ref_key:
        ok = bool(stamp.get("ok"))
    else:
        problems = verify_file(model_id, path)
        ok = not problems
        if problems:
            log.warning("%s does not match its reference: %s", model_id, "; ".join(problems))
    _write_stamp(model_id, {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                            "reference": ref_key, "ok": ok})
    return ok


def record_verified(model_id: str, path: Path, sha256: str) -> None:
    """Remember that an installed file passed verification, so listing stays fast."""
    st = path.stat()
    _write_stamp(model_id, {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                            "reference": _reference_key(model_id), "ok": True})


def status(verify_models: bool = True) -> list[dict]:
    """One row per model (all seven): id, keypoints, input_size, size, present, verified (None if unchecked)."""
    rows = []
    for model_id in ALL_IDS:
        info = model_info(model_id)
        path = model_file(model_id)
        present = path.is_file()
        verified = None
        if present and verify_models:
            verified = verify(model_id)
        rows.append({
            "id": model_id,
            "keypoints": info["keypoints"],
            "input_size": info["input_size"],
            "path": path,
            "size": path.stat().st_size if present else None,
            "present": present,
            "verified": verified,
        })
    return rows
