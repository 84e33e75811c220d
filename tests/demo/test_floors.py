"""The demo is the top floor: it may import every app, and nothing imports it; `core`, the ground
floor, imports no domain app (only `network`, for the start page's points and members)."""

from __future__ import annotations

import ast
from pathlib import Path

import kamavor

PACKAGE = Path(kamavor.__file__).parent
DOMAIN_APPS = {
    "catalogue", "stock", "households", "needs", "distribution", "allocation",
    "volunteers", "public", "demo",
}  # fmt: skip


def imported(path: Path) -> set[str]:
    """Every kamavor module a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("kamavor.")}


def app_of(module: str) -> str:
    return module.split(".")[1]


def test_nothing_imports_the_demo():
    importers = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "demo" not in path.relative_to(PACKAGE).parts[:1]
        and any(app_of(name) == "demo" for name in imported(path))
    ]
    assert importers == []


def test_core_imports_no_domain_app():
    reached = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "core").rglob("*.py")
        for name in imported(path)
        if app_of(name) in DOMAIN_APPS
    }
    assert reached == set()


def test_the_demo_command_lives_in_the_demo():
    from django.core.management import get_commands

    assert get_commands()["demo"] == "kamavor.demo"
