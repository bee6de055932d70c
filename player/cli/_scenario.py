"""Loading a scenario for the commands that act on one (plan, play): diagnostics are printed
compiler-style on stderr, warnings do not stop it, errors do."""

from __future__ import annotations

import os
import sys

from ..plan import Plan, build_plan

__all__ = ["load_checked"]


def load_checked(file: str, vars: dict[str, str], *, fmt: str = "text") -> Plan | None:
    """The plan of FILE, or None after printing why it is invalid."""
    from ..report import render_json, render_text
    from ..validate import validate_file

    scenario, diagnostics = validate_file(file, vars=vars)
    if diagnostics:
        errors = scenario is None
        if fmt == "json" and errors:
            print(render_json({file: diagnostics}), file=sys.stdout)
        else:
            color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
            print(render_text(diagnostics, color=color), file=sys.stderr)
    if scenario is None:
        return None
    return build_plan(scenario)
