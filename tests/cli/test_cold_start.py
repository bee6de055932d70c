"""What keeps the command line's cold start short, held as behaviour (never timed): `--help` lists
every command without importing one, with the same text the commands' own help gives; a command
imports only what it needs; the collector paused while starting runs again for a run."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import player.cli as cli_module
from player.cli import _COMMANDS, cli
from player.cli._lazy import LazyGroup

CLI_DIR = Path(cli_module.__file__).parent
COMMAND_MODULES = sorted(p.stem for p in CLI_DIR.glob("*.py") if not p.stem.startswith("_"))


def _loaded(name: str) -> click.Command:
    command = _COMMANDS[name].load()
    assert command.name == name
    return command


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_each_kept_summary_gives_the_commands_own_short_help_at_every_width(name: str) -> None:
    command = _loaded(name)
    assert not command.hidden and not command.deprecated and command.short_help is None  # what the stand-in assumes
    stand_in = click.Command(name, help=_COMMANDS[name].summary)
    for limit in range(1, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), limit


def test_the_map_names_every_command_of_the_command_modules() -> None:
    """A command added to a module's COMMANDS but not to the map would never be reachable."""
    found = {}
    for module in COMMAND_MODULES:
        tree = ast.parse((CLI_DIR / f"{module}.py").read_text())
        for node in tree.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "COMMANDS":
                assert isinstance(node.value, ast.List)
                for item in node.value.elts:
                    assert isinstance(item, ast.Name)
                    found[f"{module}:{item.id}"] = module
    assert sorted(found) == sorted(entry.target for entry in _COMMANDS.values())


@pytest.mark.parametrize("width", [40, 80, 200])
def test_help_lists_the_same_as_with_every_command_loaded(width: int) -> None:
    fresh = LazyGroup("echo-player", lazy=_COMMANDS, help=cli.help, params=list(cli.params), context_settings=cli.context_settings)
    lazy_help = CliRunner().invoke(fresh, ["--help"], terminal_width=width).output
    assert not fresh.commands  # listing them loaded none
    loaded = click.Group("echo-player", commands=[_loaded(n) for n in _COMMANDS], help=cli.help, params=list(cli.params))
    loaded.context_settings = cli.context_settings
    assert lazy_help == CliRunner().invoke(loaded, ["--help"], terminal_width=width).output
    assert "validate" in lazy_help and "conversations" in lazy_help


def test_a_command_loads_when_used_and_an_unknown_one_is_still_a_usage_error_with_suggestions() -> None:
    fresh = LazyGroup("echo-player", lazy=_COMMANDS)
    result = CliRunner().invoke(fresh, ["schema"], standalone_mode=False)
    assert result.exception is None and '"$schema"' in result.output
    assert set(fresh.commands) == {"schema"}
    bad = CliRunner().invoke(fresh, ["valiate"])
    assert bad.exit_code == 2 and "No such command 'valiate'" in bad.output
    if hasattr(click.exceptions, "NoSuchCommand"):  # click >= 8.4 suggests close names
        assert "Did you mean 'validate'?" in bad.output


def _run_entry_point(*args: str, at_exit: str = "sorted(k for k, v in sys.modules.items() if v is not None)") -> tuple[int, Any]:
    """Run `echo-player ARGS` through player.__main__ in a fresh interpreter: its exit code, and
    the value of the expression `at_exit` as the interpreter exits."""
    script = (
        "import atexit, gc, json, sys\n"
        f"atexit.register(lambda: print(json.dumps({at_exit}), file=sys.stderr))\n"
        f"sys.argv = ['echo-player', *{list(args)!r}]\n"
        "from player.__main__ import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    return result.returncode, json.loads(result.stderr.strip().splitlines()[-1])


def _imported_after(*args: str) -> tuple[int, list[str]]:
    code, modules = _run_entry_point(*args)
    return code, list(modules)


def test_help_imports_no_command_module_and_no_model() -> None:
    code, modules = _imported_after("--help")
    assert code == 0
    commands = [f"player.cli.{m}" for m in COMMAND_MODULES]
    assert not [m for m in modules if m in commands or m.startswith(("player.scenario", "player.plan", "yaml"))]


def test_validate_on_a_text_file_imports_no_http_schema_library_simulator_or_playback(tmp_path: Path) -> None:
    path = tmp_path / "small.scenario.yaml"
    path.write_text("version: 1\nname: Small\nsteps:\n  - say: Hello there!\n  - pause: 1s\n")
    code, modules = _imported_after("validate", str(path))
    assert code == 0
    heavy = ("httpx", "httpcore", "jsonschema", "asyncio", "numpy", "player.simulator", "player.playback", "player.tavus", "player.audio")
    assert not [m for m in modules if m.split(".")[0] in heavy or m.startswith(heavy)]
    assert "player.cli.authoring" in modules and "player.cli.play" not in modules  # only its own command


def test_completion_of_command_names_still_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "player"],
        capture_output=True,
        text=True,
        env={**os.environ, "_ECHO_PLAYER_COMPLETE": "bash_complete", "COMP_WORDS": "echo-player ", "COMP_CWORD": "1"},
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.split() == [f"plain,{name}" for name in sorted(_COMMANDS)]


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "small.scenario.yaml"
    path.write_text("version: 1\nname: Small\nsteps:\n  - say: Hi.\n")
    return path


def test_the_collector_paused_for_the_start_runs_again_for_the_run(tmp_path: Path) -> None:
    """Paused while the entry point imports; a play's run (its event loop) has it back."""
    code, enabled = _run_entry_point("play", "--local", "--no-interactive", str(_small(tmp_path)), at_exit="gc.isenabled()")
    assert code == 0 and enabled is True


def test_the_collector_is_left_alone_when_the_command_line_runs_in_process(tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["play", "--local", "--no-interactive", str(_small(tmp_path))])
    assert exit_info.value.code == 0 and gc.isenabled()


def test_a_local_play_imports_httpx_without_its_command_line(tmp_path: Path) -> None:
    """httpx imports its optional CLI (pygments, rich) when they are installed; the entry point
    keeps it out, and the run over httpx works without it."""
    pytest.importorskip("pygments")  # installed with the dev tools; else httpx never loads it anyway
    code, modules = _imported_after("play", "--local", "--no-interactive", str(_small(tmp_path)))
    assert code == 0 and "httpx" in modules
    assert not [m for m in modules if m.split(".")[0] in ("pygments", "rich")]
