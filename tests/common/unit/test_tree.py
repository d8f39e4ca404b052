"""The shape of the tree docs/architecture.md promises: no import circles in the kit, no service importing
another, and every long service module named in the guide."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
KIT = ROOT / "libs/common/src/anju_common"
SERVICES = ("jobs", "workers", "matching", "notifications")
LONG = 550  # "~500 lines": a little over is not worth a split


def _module(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_kit_imports_no_circle() -> None:
    src = KIT.parent
    modules = {_module(p, src): p for p in KIT.rglob("*.py")}
    graph = {name: {d for d in _imports(p) if d in modules and d != name} for name, p in modules.items()}
    assert len(modules) > 20
    assert _cycles(graph) == []


def test_the_circle_finder_finds_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_service_imports_another_or_the_gateway() -> None:
    offences = []
    for service in SERVICES:
        others = {s for s in SERVICES if s != service} | {"gateway", "console"}
        for path in (ROOT / "services" / service / "src").rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in others:
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def test_every_long_service_module_is_named_in_the_architecture_guide() -> None:
    guide = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    section = guide.split("### Modules over ~500 lines", 1)[1].split("\n### ", 1)[0]
    named = set(re.findall(r"`([a-z_]+/[a-z_/]+\.py)`", section))
    files = {
        str(p.relative_to(ROOT / "services" / s / "src")): len(p.read_text(encoding="utf-8").splitlines())
        for s in SERVICES
        for p in (ROOT / "services" / s / "src").rglob("*.py")
    }
    assert len(files) > 50, "the check found few modules: is the tree where it expects?"
    long = {name for name, lines in files.items() if lines > LONG}
    assert long <= named, f"long modules the guide does not name: {sorted(long - named)}"
