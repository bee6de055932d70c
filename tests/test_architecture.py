"""The import rules that keep data flowing one way (README, "Architecture").

file -> scenario -> plan -> playback -> transport -> room; the simulator may import the core,
the core reaches it only through player.playback's `local_backend` (one lazy import); the CLI
is last. Read from the source with ast, so a new module is held to the rules without a list.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import player

ROOT = Path(player.__file__).resolve().parent
ENTRY_POINT = ("player.playback._backends", "player.simulator")  # the one way into the simulator


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = ("player", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, bool, bool]]:
    """(imported module, at import time, under TYPE_CHECKING) for each import of `name`."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: list[tuple[str, bool, bool]] = []

    def targets(node: ast.ImportFrom | ast.Import) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(anchor + ([node.module] if node.module else []))
        names = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
        return [base, *names]

    def walk(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.extend((t, top, typing_only) for t in targets(child) if t.startswith("player"))
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                walk(child, top, True)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                walk(child, False, typing_only)
            else:
                walk(child, top, typing_only)

    walk(tree, True, False)
    return out


EDGES = {name: _imports(name, path) for name, path in MODULES.items()}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _violations(source_stages: set[str], forbidden: set[str]) -> list[str]:
    bad = []
    for name, imports in EDGES.items():
        if _stage(name) not in source_stages:
            continue
        for target, _top, _typing in imports:
            if _stage(target) in forbidden and (name, target) != ENTRY_POINT:
                bad.append(f"{name} imports {target}")
    return bad


def test_core_stages_never_import_the_simulator_the_server_or_the_cli() -> None:
    assert _violations({"scenario", "plan", "playback", "transport", "tavus", "audio"}, {"simulator", "server", "cli"}) == []


def test_the_server_comes_after_playback_and_never_imports_the_cli_or_the_simulator() -> None:
    assert _violations({"server"}, {"simulator", "cli"}) == []


def test_the_report_stage_comes_after_playback() -> None:
    # Reports read logs and plans; nothing before them (nor the simulator) may depend on them,
    # and they never reach into the simulator or the CLI.
    assert _violations({"scenario", "plan", "playback", "transport", "tavus", "audio", "simulator"}, {"report"}) == []
    assert _violations({"report"}, {"simulator", "cli", "transport"}) == []


def test_the_scenario_stage_never_imports_later_stages() -> None:
    assert _violations({"scenario"}, {"plan", "playback", "transport", "simulator", "cli"}) == []


def test_the_plan_stage_never_imports_playback_or_transport() -> None:
    assert _violations({"plan"}, {"playback", "transport", "simulator", "cli"}) == []


def test_the_simulator_has_exactly_one_entry_point_from_the_core() -> None:
    into = [
        (name, t, top)
        for name, imports in EDGES.items()
        for t, top, _ in imports
        if _stage(t) == "simulator" and _stage(name) not in ("simulator", "cli")
    ]
    assert [(name, t) for name, t, _ in into] == [ENTRY_POINT]
    assert not into[0][2], "the entry point must import the simulator lazily, inside the function"


def _import_time_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, imports in EDGES.items():
        graph[name] = {t for t, top, typing_only in imports if top and not typing_only and t in MODULES and t != name}
    return graph


def test_no_import_cycle_and_the_longest_chain_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    graph = _import_time_graph()
    state: dict[str, int] = {}
    longest: dict[str, list[str]] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> list[str]:
        if state.get(node) == 1:
            cycles.append(stack[stack.index(node) :] + [node])
            return [node]
        if state.get(node) == 2:
            return longest[node]
        state[node] = 1
        stack.append(node)
        best: list[str] = []
        for nxt in sorted(graph[node]):
            # A package's __init__ re-exports its own modules: that is containment, not a chain.
            if nxt.startswith(node + "."):
                continue
            chain = visit(nxt, stack)
            if len(chain) > len(best):
                best = chain
        stack.pop()
        state[node] = 2
        longest[node] = [node, *best]
        return longest[node]

    chains = [visit(name, []) for name in sorted(graph)]
    assert cycles == []
    chain = max(chains, key=len)
    with capsys.disabled():
        print(f"\nlongest import chain ({len(chain)} modules): " + " -> ".join(chain))
    assert len(chain) > 3  # the graph was really read


def test_no_module_is_over_400_lines() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 400}
    assert long == {}


@pytest.mark.parametrize(
    "package",
    [
        "player",
        "player.scenario",
        "player.plan",
        "player.playback",
        "player.transport",
        "player.tavus",
        "player.audio",
        "player.simulator",
        "player.report",
        "player.server",
    ],
)
def test_every_public_name_imports(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, f"{package} has no __all__"
    missing = [name for name in module.__all__ if getattr(module, name, None) is None and name != "__version__"]
    assert missing == []
