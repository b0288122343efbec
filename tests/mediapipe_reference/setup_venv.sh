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

# The wheel ships only the full landmark model and downloads lite/heavy from the web on first use, which
# fails offline. The npm package @mediapipe/pose holds all three (its full model is byte-identical to the
# wheel's), so lite and heavy are put where mediapipe looks for them first.
LM_DIR="$("$VENV/bin/python" -c 'import mediapipe, os; print(os.path.join(os.path.dirname(mediapipe.__file__), "modules", "pose_landmark"))')"
if [ ! -f "$LM_DIR/pose_landmark_lite.tflite" ] || [ ! -f "$LM_DIR/pose_landmark_heavy.tflite" ]; then
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  TGZ="$TMP/mediapipe-pose-0.5.1675469404.tgz"
  CACHED="${POSESTUDIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/posestudio}/downloads/pose-0.5.1675469404.tgz"
  if command -v npm >/dev/null 2>&1; then
    (cd "$TMP" && npm pack --silent "@mediapipe/pose@0.5.1675469404" >/dev/null)
  elif [ -f "$CACHED" ]; then  # what `posestudio models build` downloaded
    cp "$CACHED" "$TGZ"
  else  # no npm client: fetch the tarball the model manifest names
    "$VENV/bin/python" - "$TGZ" <<'PY'
import json, sys, urllib.request
src = json.load(open("models/manifest.json"))["models"]["blazepose-full"]["source"]
assert src["package"] == "@mediapipe/pose", src
with urllib.request.urlopen(src["tarball"], timeout=120) as r, open(sys.argv[1], "wb") as f:
    f.write(r.read())
PY
  fi
  echo "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84  $TGZ" | sha256sum -c --quiet -
  tar -xzf "$TGZ" -C "$TMP" package/pose_landmark_lite.tflite package/pose_landmark_heavy.tflite package/pose_landmark_full.tflite
  cmp "$TMP/package/pose_landmark_full.tflite" "$LM_DIR/pose_landmark_full.tflite"  # same release as the wheel
  cp "$TMP/package/pose_landmark_lite.tflite" "$TMP/package/pose_landmark_heavy.tflite" "$LM_DIR/"
fi
"$VENV/bin/python" -c "import mediapipe, av, numpy; print('mediapipe', mediapipe.__version__, 'av', av.__version__, 'numpy', numpy.__version__)"
