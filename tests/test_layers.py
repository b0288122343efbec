"""The layers hold: core runs headless (no Qt), the import contracts in pyproject pass, files stay small."""

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


def test_import_contracts_hold():
    # The layers in pyproject.toml ([tool.importlinter]): core below app below bench and cli, no cycles.
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        raise AssertionError("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    out = subprocess.run([str(lint)], capture_output=True, text=True, timeout=120, cwd=CORE.parents[2])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_no_python_file_is_longer_than_400_lines():
    long = [f"{p.relative_to(CORE.parents[1])}: {n}" for p in sorted(CORE.parent.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert not long, "split by what they hold:\n" + "\n".join(long)
