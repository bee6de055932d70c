"""A plain (non-editable) wheel install works: the schema ships inside it and the CLI runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_schema_and_runs_from_a_plain_install(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = wheels.glob("echo_player-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "player/_data/scenario.schema.json" in names
    # The presenter page is package data: `serve` reads it from the installed wheel.
    assert {f"player/server/static/{n}" for n in ("index.html", "presenter.js", "presenter.css")} <= set(names)
    assert any(n.endswith("entry_points.txt") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import player; print(player.__file__)"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert where.stdout.strip().startswith(str(target))  # the wheel's copy, not the checkout
    schema = subprocess.run([sys.executable, "-m", "player", "schema"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert json.loads(schema.stdout) == json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    scenario = ROOT / "scenarios" / "welcome.scenario.yaml"
    valid = subprocess.run(
        [sys.executable, "-m", "player", "validate", str(scenario)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert valid.returncode == 0, valid.stderr
    page = subprocess.run(
        [sys.executable, "-c", "from player.server._app import _asset; print(_asset('index.html'))"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "<title>echo-player presenter</title>" in page.stdout
