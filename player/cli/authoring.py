"""Commands for writing scenarios: validate, schema, new."""

from __future__ import annotations

import os
import sys

import click

from ..exitcodes import ExitCode
from ._common import parse_vars, var_option

__all__ = ["COMMANDS"]


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@var_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: compiler-style with source lines; json: one object; github: Actions annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def validate_command(paths: tuple[str, ...], var_pairs: tuple[str, ...], fmt: str, strict: bool) -> ExitCode:
    """Check scenario files (folders: every *.scenario.yaml below) without playing them.

    Exit 0 when valid, 1 when any file has errors (or warnings, with --strict), 2 on a bad
    command line.
    """
    from ..plan import validate_paths
    from ..scenario import plural, render_github, render_json, render_text, summary

    results = validate_paths(paths, vars=parse_vars(var_pairs), for_tavus=True)
    failed = any(not r.ok(strict=strict) for r in results)
    diagnostics = [d for r in results for d in r.diagnostics]
    if fmt == "json":
        click.echo(render_json({r.path: r.diagnostics for r in results}, strict=strict))
    elif fmt == "github":
        click.echo(render_github(diagnostics), nl=False)
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(render_text(diagnostics, color=color), nl=False)
        for r in results:
            if r.ok(strict=strict):
                click.echo(f"ok: {r.path}" + (f" ({r.scenario.name}, {plural(len(r.scenario.steps), 'step')})" if r.scenario else ""))
        errors = sum(r.errors for r in results)
        click.echo(summary(len(results), errors, sum(r.warnings for r in results)))
    return ExitCode.INVALID if failed else ExitCode.OK


@click.command("schema")
def schema_command() -> ExitCode:
    """Print the scenario JSON schema (draft-07) for editors and other tools."""
    from ..scenario import schema_text

    click.echo(schema_text(), nl=False)
    return ExitCode.OK


@click.command("new")
@click.argument("name")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def new_command(name: str, force: bool) -> ExitCode:
    """Write a commented starter scenario to NAME.scenario.yaml (or NAME if it ends in .yaml).

    Refuses to overwrite an existing file (exit 2) unless --force.
    """
    from ..scenario import starter_path, write_starter

    target = write_starter(starter_path(name), force=force)
    click.echo(f"wrote {target}; check it with: echo-player validate {target}")
    return ExitCode.OK


COMMANDS: list[click.Command] = [validate_command, schema_command, new_command]
