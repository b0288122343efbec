"""The analysis file: one versioned .npz (the arrays, plus the metadata as JSON), written atomically.

Both the cache and `posestudio analyze -o run.npz` write it; FORMAT_VERSION changes only when the layout does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from posestudio.core.analysis.corrections import Corrections
from posestudio.core.analysis.result import ARRAY_FIELDS, META_FIELDS, AnalysisResult
from posestudio.core.atomic import atomic_path
from posestudio.core.errors import PoseStudioError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class ResultFileError(PoseStudioError):
    """A saved analysis cannot be read."""


def save_result(result: AnalysisResult, path) -> Path:
    """Write one .npz (arrays + JSON metadata with format_version), atomically."""
    path = Path(path)
    meta = {name: getattr(result, name) for name in META_FIELDS}
    meta["keypoint_names"] = list(result.keypoint_names)
    meta["format_version"] = FORMAT_VERSION
    arrays = {name: getattr(result, name) for name in ARRAY_FIELDS if getattr(result, name) is not None}
    if result.corrections is not None:
        arrays.update(result.corrections.to_arrays())
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, meta=np.array(json.dumps(meta)), **arrays)
    return path


def load_result(path) -> AnalysisResult:
    """The analysis saved at `path`; ResultFileError (one sentence) when it is absent, unreadable or of
    another format version."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: (data[name] if name in data.files else None) for name in ARRAY_FIELDS}
            arrays["corrections"] = Corrections.from_arrays(data)  # None in files from before corrections
    except FileNotFoundError:
        raise ResultFileError(f"The analysis file {path} does not exist; analyse the video again.") from None
    except Exception as exc:
        log.exception("cannot read %s", path)
        raise ResultFileError(f"The analysis file {path} cannot be read; analyse the video again.") from exc
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ResultFileError(f"The analysis file {path} has format version {version}, this Pose Studio reads "
                              f"version {FORMAT_VERSION}; analyse the video again.")
    meta["keypoint_names"] = tuple(meta["keypoint_names"])
    return AnalysisResult(**arrays, **{k: meta[k] for k in META_FIELDS})
