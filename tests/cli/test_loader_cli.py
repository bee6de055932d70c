"""The authoring commands end to end: validate (formats, strict, vars, paths), new, and what
`validate` imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loader_support import REPO, SCENARIOS, run_cli, write
from player.scenario._model import Diagnostic, Pos
from player.scenario._report import render_github, render_text

BROKEN = "version: 1\nsteps:\n  - sya: hi\n  - say: ${nope}\n"
LATE = "version: 1\nsteps:\n  - pause: 10s\n  - say: late\n    at: 5s\n"


def test_validate_the_example_scenarios() -> None:
    result = run_cli(["validate", str(SCENARIOS)])
    assert result.code == 0, result.out + result.err
    assert "0 errors" in result.out
    assert f"ok: {SCENARIOS / 'welcome.scenario.yaml'}" in result.out
    assert f"ok: {SCENARIOS / 'parts' / 'greeting.scenario.yaml'}" in result.out


def test_text_report_is_compiler_style_with_source_and_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.scenario.yaml", BROKEN)
    result = run_cli(["validate", str(path)])
    assert result.code == 1
    assert f"{path}:3:5: error: unknown key 'sya' in a step\n" in result.out
    assert " 3 |   - sya: hi\n   |     ^^^\n   = hint: did you mean 'say'?" in result.out
    assert f"{path}:4:10: error: undefined variable ${{nope}}" in result.out
    assert "1 file checked: 2 errors, 0 warnings" in result.out


def test_json_format(tmp_path: Path) -> None:
    good = write(tmp_path, "good.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n")
    bad = write(tmp_path, "bad.scenario.yaml", BROKEN)
    result = run_cli(["validate", "--format", "json", str(good), str(bad)])
    assert result.code == 1
    report = json.loads(result.out)
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 2, 0)
    files = {f["path"]: f for f in report["files"]}
    assert files[str(good)]["valid"] is True and files[str(good)]["diagnostics"] == []
    first = files[str(bad)]["diagnostics"][0]
    assert first == {
        "file": str(bad),
        "line": 3,
        "col": 5,
        "severity": "error",
        "code": "schema",
        "message": "unknown key 'sya' in a step",
        "hint": "did you mean 'say'?",
    }


def test_github_format(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.scenario.yaml", BROKEN)
    result = run_cli(["validate", "--format", "github", str(path)])
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == f"::error file={path},line=3,col=5,title=echo-player schema::unknown key 'sya' in a step (did you mean 'say'?)"
    assert lines[1].startswith(f"::error file={path},line=4,col=10,title=echo-player var::undefined variable")


def test_github_escapes_data_and_properties() -> None:
    d = Diagnostic(Pos("a,b:c.yaml", 1, 2), "50% done\nnext", severity="warning", code="x")
    assert render_github([d]) == "::warning file=a%2Cb%3Ac.yaml,line=1,col=2,title=echo-player x::50%25 done%0Anext\n"


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "late.scenario.yaml", LATE)
    relaxed = run_cli(["validate", str(path)])
    assert relaxed.code == 0 and "warning:" in relaxed.out and "1 warning" in relaxed.out
    assert run_cli(["validate", "--strict", str(path)]).code == 1
    report = json.loads(run_cli(["validate", "--strict", "--format", "json", str(path)]).out)
    assert report["valid"] is False and report["warnings"] == 1


def test_var_option(tmp_path: Path) -> None:
    path = write(tmp_path, "v.scenario.yaml", "version: 1\nsteps:\n  - say: ${who}\n")
    assert run_cli(["validate", str(path)]).code == 1
    assert run_cli(["validate", "--var", "who=Dana", str(path)]).code == 0
    bad = run_cli(["validate", "--var", "novalue", str(path)])
    assert bad.code == 2 and "--var expects NAME=VALUE" in bad.err and "Traceback" not in bad.err


def test_usage_errors_exit_2() -> None:
    assert run_cli(["validate"]).code == 2
    assert run_cli(["validate", "--format", "xml", str(SCENARIOS)]).code == 2


def test_missing_paths_and_empty_folders_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    good = write(tmp_path, "good.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n")
    result = run_cli(["validate", str(tmp_path / "nope.yaml"), str(tmp_path / "empty"), str(good)])
    assert result.code == 1
    assert f"{tmp_path / 'nope.yaml'}:1:1: error: no such file or folder" in result.out
    assert f"{tmp_path / 'empty'}:1:1: error: no *.scenario.yaml files in this folder" in result.out
    assert f"ok: {good}" in result.out


def test_folders_skip_hidden_dirs_and_other_yaml(tmp_path: Path) -> None:
    write(tmp_path, ".hidden/x.scenario.yaml", BROKEN)
    write(tmp_path, "notes.yaml", BROKEN)
    write(tmp_path, "a/b/ok.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n")
    result = run_cli(["validate", str(tmp_path)])
    assert result.code == 0 and "1 file checked" in result.out


def test_new_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(["new", "demo"])
    assert result.code == 0 and "wrote demo.scenario.yaml" in result.out
    text = (tmp_path / "demo.scenario.yaml").read_text()
    modeline = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
    assert modeline is not None
    schema = (tmp_path / modeline.group(1)).resolve()
    assert schema.is_file() and json.loads(schema.read_text())["title"] == "echo-player scenario"
    assert run_cli(["validate", "--strict", "demo.scenario.yaml"]).code == 0

    again = run_cli(["new", "demo"])
    assert again.code == 2 and "demo.scenario.yaml already exists; pass --force" in again.err
    (tmp_path / "demo.scenario.yaml").write_text("changed")
    assert run_cli(["new", "demo", "--force"]).code == 0
    assert (tmp_path / "demo.scenario.yaml").read_text() == text


def test_new_keeps_a_yaml_name_and_uses_the_projects_schema_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "scenario.schema.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert run_cli(["new", "scenarios/talk.yaml"]).code == 0
    first = (tmp_path / "scenarios" / "talk.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/scenario.schema.json"


def test_examples_have_the_modeline() -> None:
    for path in SCENARIOS.rglob("*.scenario.yaml"):
        depth = len(path.relative_to(SCENARIOS).parts) - 1
        expected = "# yaml-language-server: $schema=" + "../" * (depth + 1) + "schemas/scenario.schema.json"
        assert path.read_text().splitlines()[0] == expected, path


def test_render_text_without_the_source_file() -> None:
    d = Diagnostic(Pos("/nonexistent/x.yaml", 3, 1), "boom", "try again")
    assert render_text([d]) == "/nonexistent/x.yaml:3:1: error: boom\n  = hint: try again\n\n"


def test_validate_imports_neither_network_nor_audio_nor_jsonschema(tmp_path: Path) -> None:
    path = write(tmp_path, "t.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n  - pause: 1s\n")
    code = (
        "import sys\nfrom player.cli import main\n"
        "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'daily', 'httpx', 'pydub', 'jsonschema', 'audioop'})\n"
        "print('RESULT', code, heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
    )
    assert "RESULT 0 []" in done.stdout, done.stdout + done.stderr
