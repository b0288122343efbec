"""PyInstaller runtime hook: the frozen app uses the models bundled beside it.

Runs before any app code. A user who set POSESTUDIO_MODELS keeps their choice; otherwise the bundle's
`models/` folder (ONNX files + manifest.json) is where `posestudio.core.paths.models_dir()` looks.
"""

import os
import sys

_bundle = getattr(sys, "_MEIPASS", None)
if _bundle and not os.environ.get("POSESTUDIO_MODELS"):
    _models = os.path.join(_bundle, "models")
    if os.path.isdir(_models):
        os.environ["POSESTUDIO_MODELS"] = _models

# A windowed build (Windows/macOS, no console) has no stdout/stderr; printing progress must not crash there.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name, None) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))
