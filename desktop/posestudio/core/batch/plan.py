"""What a batch will do: the videos its inputs name, one task each, and the settings every task shares."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from posestudio import __version__
from posestudio.core.batch.pipeline import ANALYSIS_REVISION
from posestudio.core.errors import PoseStudioError

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv",
                            ".ts", ".mts", ".m2ts", ".3gp", ".ogv", ".mxf", ".dv"})
LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})
DATA_FORMATS = ("json", "csv", "npz")


@dataclass(frozen=True)
class Task:
    index: int     # position in the inputs, the order of the table
    video: str     # absolute path, as every worker must see it
    name: str      # output base name in OUTDIR: '<stem>_<8 hex of the path>', unique per source path


@dataclass(frozen=True)
class Settings:
    """Everything that changes a video's outputs (all in the key), plus `threads`, which does not."""

    model: str
    model_sha256: str
    min_score: float                      # as `analyze --min-score`
    smoothing: bool
    cutoff_hz: float
    data_format: str = "json"
    angles: bool = False                  # angle columns in the data file (the summary always has them)
    angle_defs: tuple | None = None       # AngleDefs to compute; None = every angle the model allows
    video: bool = False                   # annotated MP4 too
    threads: int = 1                      # onnxruntime threads per task
    people: int | None = None             # as `analyze --people`; None: the model's own number

    def described(self) -> dict:
        """The settings as the manifest records them (and the key hashes them)."""
        # the analysis revision changes when the same video and model would now give other keypoints
        return {"posestudio": __version__, "analysis_revision": ANALYSIS_REVISION, "model": self.model,
                "model_sha256": self.model_sha256, "data_format": self.data_format, "angles": self.angles,
                "angle_defs": None if self.angle_defs is None else [repr(a) for a in self.angle_defs],
                "video": self.video, "min_score": self.min_score, "smoothing": self.smoothing,
                "cutoff_hz": self.cutoff_hz if self.smoothing else None,
                **({} if self.people is None else {"people": self.people})}  # keys of earlier runs unchanged

    @property
    def key(self) -> str:
        return hashlib.sha1(json.dumps(self.described(), sort_keys=True).encode()).hexdigest()


def output_name(video: Path) -> str:
    """A name no other source path gets: two clip.mp4 from different folders differ by the path's hash,
    and the same path gets the same name on every run (so a re-run finds its earlier outputs)."""
    digest = hashlib.sha1(str(video).encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{video.stem}_{digest}"


def _absolute(path: Path) -> Path:
    """Absolute and without '..', symlinks kept: the path as the user knows it, the same on every run."""
    return Path(os.path.abspath(path))


def _from_list(path: Path) -> list[Path]:
    """Paths listed one a line; blank lines and '#' comments ignored; relative to the list's folder."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PoseStudioError(f"The list {path} cannot be read as text ({exc.__class__.__name__}); "
                              "give a text file with one video path per line.") from None
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            p = Path(line).expanduser()
            out.append(p if p.is_absolute() else path.parent / p)
    return out


def _in_folder(folder: Path, skip: Path) -> list[Path]:
    found = []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file() and not p.name.startswith("."):
            if skip != p and skip not in p.parents:  # never our own outputs (OUTDIR inside a searched folder)
                found.append(p)
    return found


def find_videos(inputs: list[str], out_dir: Path) -> list[Path]:
    """The videos INPUTS name, in order, each once. A path on the command line that does not exist stops
    the run (a typo); a listed path that does not exist becomes a task that fails with its own sentence."""
    out_dir = _absolute(out_dir)
    videos: list[Path] = []
    for text in inputs:
        path = Path(text).expanduser()
        if path.is_dir():
            videos += _in_folder(_absolute(path), out_dir)
        elif path.suffix.lower() in LIST_SUFFIXES and path.is_file():
            videos += _from_list(path)
        elif path.exists():
            videos.append(path)
        else:
            raise PoseStudioError(f"{text} does not exist; give video files, folders or text files listing videos.")
    unique, seen = [], set()
    for v in videos:
        v = _absolute(v)
        if v not in seen:
            seen.add(v)
            unique.append(v)
    if not unique:
        raise PoseStudioError("No videos found in the inputs (looked for " + ", ".join(sorted(VIDEO_SUFFIXES))
                              + "); give video files, folders or text files listing videos.")
    return unique


def plan_tasks(videos: list[Path]) -> list[Task]:
    return [Task(i, str(v), output_name(v)) for i, v in enumerate(videos)]
