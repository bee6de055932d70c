"""Command: plan (the dry run)."""

from __future__ import annotations

import click

from ..exitcodes import ExitCode
from ._common import parse_vars, strict_option, var_option
from ._scenario import load_checked


@click.command("plan")
@click.argument("file", type=click.Path(dir_okay=False))
@var_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "svg"]), default="text", show_default=True)
@strict_option
def plan_command(file: str, var_pairs: tuple[str, ...], fmt: str, strict: bool) -> ExitCode:
    """Print the resolved steps of FILE with estimated start, length, messages and bytes (or, with
    --format svg, the planned timeline)."""
    from ..plan import plan_json, plan_text

    plan = load_checked(file, parse_vars(var_pairs), fmt="json" if fmt == "json" else "text", strict=strict)
    if plan is None:
        return ExitCode.INVALID
    if fmt == "svg":  # the planned timeline, before any run
        from ..report import render_svg, run_from_plan

        click.echo(render_svg(run_from_plan(plan)))
        return ExitCode.OK
    click.echo(plan_json(plan) if fmt == "json" else plan_text(plan))
    return ExitCode.OK


COMMANDS: list[click.Command] = [plan_command]
