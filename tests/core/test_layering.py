"""The dependency direction of DESIGN.md §2, read from the imports of every module.

Only ``designer/web/`` talks Flask; only ``designer/storage/`` (and the Alembic
``migrations/``) talks SQLAlchemy; the domain core (everything but the web,
storage, CLI and notebook edges) imports neither, nor the edges themselves.
Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "designer"

WEB_ONLY = ("flask", "flask_sock")
STORAGE_ONLY = ("sqlalchemy", "alembic")
EDGE_PACKAGES = ("designer.web", "designer.storage")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, relative imports resolved against ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            # ``from designer import web`` imports designer.web
            found.update(f"{prefix}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def area(module: str) -> str:
    for edge in ("designer.web", "designer.storage", "designer.cli"):
        if within(module, (edge,)):
            return edge
    if module.startswith("designer.notebook"):
        return "designer.notebook"
    return "core"


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_scan_sees_the_whole_package() -> None:
    names = {module_name(p) for p in MODULES}
    assert {"designer", "designer.validation", "designer.registry", "designer.flow"} <= names


def test_the_scanner_reads_every_form_of_import() -> None:
    source = (
        "import flask\n"
        "import sqlalchemy.orm as orm\n"
        "from alembic import op\n"
        "from . import web\n"
        "from ..storage.sql import Repo\n"
        "def later():\n"
        "    from flask_sock import Sock\n"
    )
    found = imports(source, "designer.simulator.platform")
    assert {"flask", "sqlalchemy.orm", "alembic", "designer.simulator.web",
            "designer.storage.sql", "flask_sock"} <= found  # fmt: skip
    assert within("sqlalchemy.orm", STORAGE_ONLY) and not within("flasky", WEB_ONLY)
    assert imports("from . import errors", "designer", is_package=True) >= {"designer.errors"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dependency_direction(path: Path) -> None:
    module = module_name(path)
    where = area(module)
    used = imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    wrong = []
    for name in sorted(used):
        if within(name, WEB_ONLY) and where != "designer.web":
            wrong.append(f"{name} (Flask belongs in designer/web/)")
        if within(name, STORAGE_ONLY) and where != "designer.storage":
            wrong.append(f"{name} (SQLAlchemy/Alembic belong in designer/storage/)")
        if where == "core" and within(name, EDGE_PACKAGES):
            wrong.append(f"{name} (the domain core does not import the web or storage layers)")
    assert not wrong, f"{module} imports " + "; ".join(wrong)
