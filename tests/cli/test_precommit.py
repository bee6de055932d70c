"""The pre-commit hook (.pre-commit-hooks.yaml) as a pre-commit user gets it: pre-commit builds
the hook's environment from this repository (pip installs it) and runs `echo-player validate`
on a sample repository's scenario files only. One case: building the environment takes ~30 s."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_hook_validates_the_scenarios_of_a_sample_repository(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    (sample / "talks").mkdir(parents=True)
    (sample / "talks" / "good.scenario.yaml").write_text("version: 1\nsteps:\n  - say: hi\n")
    (sample / "talks" / "bad.scenario.yaml").write_text("version: 1\nsteps:\n  - sey: hi\n")
    (sample / "other.yaml").write_text("not: [a scenario\n")  # not matched by the hook's `files`
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    subprocess.run(["git", "init", "-q"], cwd=sample, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=sample, check=True, env=env)
    # try-repo: the hooks of a repository at its HEAD (plus tracked changes), as `repo:` + `rev:` would give.
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "echo-player-validate", "--all-files"],
        cwd=sample,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "echo-player validate" in out and "Failed" in out
    assert "talks/bad.scenario.yaml:3:5: error: unknown key 'sey' in a step" in out
    assert "ok: talks/good.scenario.yaml" in out and "2 files checked: 1 error" in out  # other.yaml was not passed
