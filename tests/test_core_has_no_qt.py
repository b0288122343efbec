"""The core runs headless (CLI, tests, batch export): nothing under posestudio/core may import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "desktop" / "posestudio" / "core"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "qtpy")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_sources_do_not_import_qt():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for module in _imported_modules(path):
            if module.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(CORE)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_importing_every_core_module_loads_no_qt():
    # Catches indirect imports (a core module importing something that pulls Qt in).
    modules = [
        "posestudio.core." + ".".join(p.relative_to(CORE).with_suffix("").parts)
        for p in sorted(CORE.rglob("*.py"))
        if p.name != "__init__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt modules loaded by core: {out.stdout.strip()}"
