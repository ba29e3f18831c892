"""The layout of ../shared/STYLE.md held by a test: a role folder imports the core (loket/), never another role."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("admin", "kiosk", "display", "counter", "booking", "survey", "complaints", "public")


def imported_roles(path: Path, own: str) -> list[str]:
    """The other role folders a module imports, at the top or inside a function, as `module:line`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{name}:{node.lineno}" for name in names if name.split(".")[0] in ROLES and name.split(".")[0] != own]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_a_role_folder_imports_the_core_and_no_other_role(role):
    crossing = {
        str(path.relative_to(ROOT)): imports for path in sorted((ROOT / role).rglob("*.py")) if (imports := imported_roles(path, role))
    }
    assert crossing == {}


def test_the_core_imports_no_role_folder():
    crossing = {
        str(path.relative_to(ROOT)): imports
        for path in sorted((ROOT / "loket").rglob("*.py"))
        if (imports := imported_roles(path, "loket"))
    }
    assert crossing == {}


def test_the_layout_check_sees_an_import_of_another_role(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("import os\nfrom loket import db\n\ndef f():\n    from kiosk.service import x\n", encoding="utf-8")
    assert imported_roles(module, "booking") == ["kiosk.service:5"]
    assert imported_roles(module, "kiosk") == []


def test_every_blueprint_has_its_url_prefix(app):
    assert [name for name, blueprint in app.blueprints.items() if not blueprint.url_prefix] == []


def test_every_package_the_server_imports_is_in_the_wheel():
    """A role folder left out of pyproject's package list installs a server that cannot start (dist-check caught `public`)."""
    import fnmatch
    import tomllib

    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    packages = sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in ("tests", "bench"))
    assert set(ROLES) | {"loket"} <= set(packages)
    left_out = [name for name in packages if not any(fnmatch.fnmatch(name, pattern) for pattern in find["include"])]
    assert left_out == []
