#!/usr/bin/env bash
# Make the separate virtualenv that holds Google's MediaPipe, the reference the BlazePose tests compare with.
# Usage: bash tests/mediapipe_reference/setup_venv.sh [VENV_DIR]   (default .venv-mediapipe at the repo root)
# mediapipe 0.10.14 needs numpy<2 and pulls opencv-contrib-python, so it never goes into the app's venv.
# PyAV is the same version as the app's venv so that VideoSource decodes the very same frames.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${1:-.venv-mediapipe}"
PY="${MEDIAPIPE_BASE_PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
AV_PIN=""
if [ -x .venv/bin/python ]; then
  AV_PIN="$(.venv/bin/python -c 'import av; print(av.__version__)' 2>/dev/null || true)"
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "mediapipe==0.10.14" "numpy<2" "av${AV_PIN:+==$AV_PIN}"
"$VENV/bin/python" -c "import mediapipe, av, numpy; print('mediapipe', mediapipe.__version__, 'av', av.__version__, 'numpy', numpy.__version__)"
