"""Names on the command line that the scenario does not have: `--var` (a warning, an error with
--strict, for validate, plan and play alike) and `--from` (did you mean, and the ids there are)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader_support import run_cli, write

TEXT = "version: 1\nvars:\n  company: Acme\nsteps:\n  - say: Hi from ${company}\n    id: intro\n  - say: It costs a lot\n    id: costs\n"


def test_validate_warns_and_fails_only_with_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", TEXT)
    relaxed = run_cli(["validate", str(path), "--var", "compnay=Globex"])
    assert relaxed.code == 0
    assert f"{path}:2:1: warning: --var compnay is not a variable of this scenario" in relaxed.out
    assert "hint: did you mean 'company'?" in relaxed.out
    assert run_cli(["validate", "--strict", str(path), "--var", "compnay=Globex"]).code == 1
    assert run_cli(["validate", "--strict", str(path), "--var", "company=Globex"]).code == 0


def test_plan_warns_and_stops_with_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", TEXT)
    relaxed = run_cli(["plan", str(path), "--var", "compnay=Globex"])
    assert relaxed.code == 0 and "did you mean 'company'?" in relaxed.err and "Hi from Acme" in relaxed.out
    strict = run_cli(["plan", "--strict", str(path), "--var", "compnay=Globex"])
    assert strict.code == 1 and strict.out == ""
    assert "did you mean 'company'?" in strict.err
    assert strict.err.rstrip().endswith("echo-player: 1 warning with --strict: stopping")
    as_json = run_cli(["plan", "--strict", "--format", "json", str(path), "--var", "compnay=Globex"])
    assert as_json.code == 1 and '"warnings": 1' in as_json.out


def test_play_with_strict_stops_before_anything_is_created(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", TEXT)
    result = run_cli(["play", "--strict", str(path), "--var", "compnay=Globex"])
    assert result.code == 1
    assert "--var compnay is not a variable" in result.err and "1 warning with --strict: stopping" in result.err
    assert "No TAVUS_API_KEY" not in result.err  # it never chose a backend


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cost", "--from: no step with id 'cost' in {path} (did you mean 'costs'? ids: intro, costs)"),
        ("zzz", "--from: no step with id 'zzz' in {path} (ids: intro, costs)"),
    ],
)
def test_from_an_unknown_id_names_the_candidates(tmp_path: Path, given: str, expected: str) -> None:
    path = write(tmp_path, "s.scenario.yaml", TEXT)
    result = run_cli(["play", str(path), "--from", given])
    assert result.code == 2
    assert result.err == f"echo-player: error: {expected.format(path=path)}\n"


def test_from_in_a_scenario_without_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n  - say: hi\n")
    result = run_cli(["play", str(path), "--from", "intro"])
    assert result.code == 2 and "no step has an id (add `id:` to the step to start at)" in result.err


def test_from_lists_at_most_twenty_ids(tmp_path: Path) -> None:
    steps = "".join(f"  - say: line {i}\n    id: s{i}\n" for i in range(30))
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n" + steps)
    result = run_cli(["play", str(path), "--from", "nope"])
    assert result.code == 2 and "s19 and 10 more)" in result.err and "s20," not in result.err
