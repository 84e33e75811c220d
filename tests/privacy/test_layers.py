"""Privacy sits below the apps that hold personal data: they import it, never the other way."""

from __future__ import annotations

import ast
from pathlib import Path

import kamavor

PACKAGE = Path(kamavor.__file__).parent


def _imports(app: str) -> set[str]:
    found = set()
    for path in (PACKAGE / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_it_imports_neither_households_nor_volunteers():
    imported = _imports("privacy")
    assert not {m for m in imported if m.startswith(("kamavor.households", "kamavor.volunteers"))}


def test_households_and_volunteers_take_sealing_and_audit_from_privacy():
    for app, other in (("households", "kamavor.volunteers"), ("volunteers", "kamavor.households")):
        imported = _imports(app)
        assert "kamavor.privacy.sealing" in imported
        assert "kamavor.privacy.audit" in imported
        assert not {m for m in imported if m.startswith(other)}, app


def test_both_apps_hand_their_personal_data_to_retention_and_rotation():
    from kamavor.privacy.registry import keepers

    assert [k.name for k in keepers()] == ["households", "volunteers", "money"]
