#!/usr/bin/env bash
# Build the one-folder Pose Studio app and its archive:
#   dist/PoseStudio/                               the app (run dist/PoseStudio/PoseStudio)
#   dist/PoseStudio-<version>-linux-x86_64.tar.gz   the same folder, to copy to other machines
# Builds the ONNX models first when any is missing, and installs PyInstaller into the venv when absent.
# Usage: installer/build.sh            (PYTHON=/path/to/python overrides the project venv)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if ! "$PY" -c "import posestudio" 2>/dev/null; then
  echo "build.sh: $PY cannot import posestudio; create the venv first: python3 -m venv .venv && .venv/bin/pip install -e '.[installer]'" >&2
  exit 1
fi

missing=$("$PY" - <<'EOF'
from posestudio.core.models.registry import ALL_IDS, model_file
print(" ".join(m for m in ALL_IDS if not model_file(m).is_file()))
EOF
)
if [ -n "$missing" ]; then
  echo "== building missing models: $missing"
  "$PY" -m posestudio models build
fi

if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
  echo "== installing PyInstaller into the venv (the project's [installer] extra)"
  "$PY" -m pip install -q "pyinstaller>=6.10"
fi

echo "== PyInstaller (a few minutes)"
# The stamp's time is when the build started: sources changed after it make the bundle stale (tests check this).
mkdir -p dist
rm -f dist/PoseStudio.stamp
: > dist/.PoseStudio.stamp.tmp
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller installer/posestudio.spec

case "$(uname -s)" in
  Linux)
    # The installer and its menu entry travel inside the folder: unpack, then run PoseStudio/install.sh.
    cp installer/linux/install.sh installer/linux/posestudio.desktop dist/PoseStudio/
    chmod +x dist/PoseStudio/install.sh
    version=$("$PY" -c "import posestudio; print(posestudio.__version__)")
    archive="dist/PoseStudio-${version}-linux-$(uname -m).tar.gz"
    echo "== archive $archive"
    tar -C dist -czf "$archive.tmp" PoseStudio
    mv "$archive.tmp" "$archive"
    mv dist/.PoseStudio.stamp.tmp dist/PoseStudio.stamp
    echo "app:     $(du -sh dist/PoseStudio | cut -f1)  dist/PoseStudio"
    echo "archive: $(du -sh "$archive" | cut -f1)  $archive"
    ;;
  *)
    mv dist/.PoseStudio.stamp.tmp dist/PoseStudio.stamp
    echo "app: dist/PoseStudio (see installer/README.md for the Windows installer and the macOS .app)"
    ;;
esac
