"""Hostile and random input: validate always answers with diagnostics and exit 1, never a
traceback and never an internal error."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loader_support import run_cli
from player.plan._validate import validate_file
from player.scenario._yaml import MAX_FILE_BYTES

_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]" for i in range(1, 9)]
)
CORPUS: dict[str, bytes] = {
    "binary-junk": random.Random(7).randbytes(4096),
    "deep-nesting": b"[" * 50_000 + b"]" * 50_000,
    "deep-block-nesting": "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode(),
    "billion-laughs": _LAUGHS.encode(),
    "huge-file": b"version: 1\nsteps:\n" + b"  - say: hello\n" * (MAX_FILE_BYTES // 15 + 10),
    "tabs": b"version: 1\nsteps:\n\t- say: hi\n",
    "non-utf8": b"version: 1\nsteps:\n  - say: caf\xe9\n",
    "bom-then-junk": b"\xef\xbb\xbf\x00\x01\x02",
    "utf16": "version: 1\nsteps:\n  - say: hi\n".encode("utf-16"),
    "list-at-top": b"- version: 1\n- steps: []\n",
    "scalar-at-top": b"just some words\n",
    "null-document": b"~\n",
    "multiple-documents": b"version: 1\nsteps: [interrupt]\n---\nversion: 1\nsteps: [interrupt]\n",
    "empty": b"",
    "nul-bytes": b"version: 1\x00\nsteps: []\n",
    "recursive-alias": b"version: 1\nsteps: &s [*s]\n",
    "huge-int": b"version: 1\nsteps:\n  - repeat: " + b"9" * 5000 + b"\n    steps: [interrupt]\n",
    "float-specials": b"version: 1\nsteps:\n  - pause: .nan\n  - pause: .inf\n  - pause: -1\n",
    "python-tag": b"version: 1\nsteps: !!python/object:os.system [echo]\n",
    "long-line": b"version: 1\nsteps:\n  - say: " + b"x" * 300_000 + b"\n  - sya: 1\n",
    "merge-junk": b"version: 1\n<<: [1, 2]\nsteps: [interrupt]\n",
    "steps-mapping": b"version: 1\nsteps: {say: hi}\n",
    "include-self-dir": b"version: 1\nsteps:\n  - include: .\n",
    "include-nul": b'version: 1\nsteps:\n  - include: "a\\0b"\n',
    "play-nul": b'version: 1\nsteps:\n  - play: "a\\0b.wav"\n',
    "var-weird": b"version: 1\nsteps:\n  - say: ${} ${a b} ${\n",
}


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "hostile.scenario.yaml"
    path.write_bytes(data)
    return path


def _assert_clean_errors(path: Path) -> None:
    scenario, diagnostics = validate_file(path)
    assert scenario is None
    assert any(d.severity == "error" for d in diagnostics)
    assert not [d for d in diagnostics if d.code == "internal"], diagnostics


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_corpus_exits_1_without_traceback(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, CORPUS[name])
    start = time.perf_counter()
    result = run_cli(["validate", str(path)])
    elapsed = time.perf_counter() - start
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.out + result.err and "internal error" not in result.out
    assert "error:" in result.out
    assert elapsed < 5, f"{name} took {elapsed:.1f}s"


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_hostile_input_in_every_format(tmp_path: Path, fmt: str) -> None:
    result = run_cli(["validate", "--format", fmt, str(_write(tmp_path, CORPUS["binary-junk"]))])
    assert result.code == 1 and "Traceback" not in result.out + result.err


_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(st.binary(max_size=512))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    _assert_clean_errors(_write(tmp_path, data))


# Scenarios that are mostly well-formed, with odd values where the schema allows anything.
_odd_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["${x}", "$${x}", "${}", "${a b}", "1:30", "0s", "-1s", "a\0b", "../x", "/"]),
)
_odd = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(), _odd_text)
_step_keys = st.sampled_from(
    [
        "say",
        "play",
        "pause",
        "cue",
        "wait_for",
        "interrupt",
        "send",
        "include",
        "repeat",
        "steps",
        "id",
        "at",
        "note",
        "wait",
        "from",
        "to",
        "gain_db",
        "chunk",
        "timeout",
        "on_timeout",
        "auto",
        "vars",
        "gap",
    ]
)
_step = st.one_of(
    st.just("interrupt"),
    st.fixed_dictionaries({"say": _odd_text}, optional={"id": st.sampled_from(["a", "b", "a b"]), "at": _odd}),
    st.fixed_dictionaries({"pause": _odd}, optional={"at": st.sampled_from(["a", "a+1s", "b+x", 3])}),
    st.fixed_dictionaries({"repeat": st.integers(0, 3), "steps": st.just([{"say": "${x}", "id": "a"}])}),
    st.dictionaries(_step_keys, _odd, max_size=3),
)
_scenario = st.fixed_dictionaries(
    {"version": st.just(1), "steps": st.lists(_step, min_size=1, max_size=5)},
    optional={
        "vars": st.dictionaries(st.sampled_from(["x", "a b", "y"]), _odd, max_size=2),
        "defaults": st.dictionaries(st.sampled_from(["chunk", "gap", "wait", "sample_rate", "max_message_bytes"]), _odd, max_size=2),
        "conversation": st.dictionaries(st.sampled_from(["input", "persona", "properties", "join_timeout"]), _odd, max_size=2),
    },
)


@_settings
@given(_scenario)
def test_random_scenarios_never_crash(tmp_path: Path, data: dict[str, Any]) -> None:
    path = _write(tmp_path, yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))
    scenario, diagnostics = validate_file(path)
    assert not [d for d in diagnostics if d.code == "internal"], diagnostics
    assert (scenario is None) == any(d.severity == "error" for d in diagnostics)
