"""`--var` names the scenario does not know: a warning naming the closest variable (an error
with --strict), never silently ignored."""

from __future__ import annotations

from pathlib import Path

from loader_support import diagnose, only, where, write

TEXT = "version: 1\nvars:\n  company: Acme\nsteps:\n  - say: Hi from ${company}\n"


def test_a_misspelt_var_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, TEXT, compnay="Globex"))
    assert where([d]) == [(2, 1, "--var compnay is not a variable of this scenario")]
    assert (d.severity, d.code, d.hint) == ("warning", "var", "did you mean 'company'?")


def test_without_a_close_name_the_hint_lists_the_variables(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - say: ${greeting}, ${who}\n"
    found = diagnose(tmp_path, text, greeting="Hi", who="Dana", colour="red")
    assert [(d.pos.line, d.pos.col, d.message, d.hint) for d in found] == [
        (1, 1, "--var colour is not a variable of this scenario", "its variables are greeting, who")
    ]
    assert only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: hi\n", x="1")).hint == "it uses no variables"


def test_variables_of_included_files_and_include_steps_count(tmp_path: Path) -> None:
    write(tmp_path, "part.scenario.yaml", "version: 1\nvars: {tone: calm}\nsteps:\n  - say: ${tone} ${mood}\n")
    text = "version: 1\nsteps:\n  - include: part.scenario.yaml\n    vars: {extra: 1}\n"
    assert diagnose(tmp_path, text, tone="loud", mood="ok", extra="2") == []


def test_a_reference_in_a_step_the_schema_refused_still_counts(tmp_path: Path) -> None:
    found = diagnose(tmp_path, "version: 1\nsteps:\n  - say: ${who}\n    wiat: none\n", who="Dana")
    assert [d.message for d in found] == ["unknown key 'wiat' in a step"]


def test_a_literal_dollar_brace_is_not_a_reference(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, "version: 1\nsteps:\n  - say: costs $${price}\n", price="3"))
    assert d.message == "--var price is not a variable of this scenario"
