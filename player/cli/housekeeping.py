"""Commands: `conversations list|end`, `cleanup`, `doctor`: keeping the Tavus account tidy, so a
crashed run never keeps billing. The Tavus client (and httpx) load only when a command runs.
"""

from __future__ import annotations

import importlib
import json
import os
from collections import Counter
from collections.abc import Callable

import click

from ..errors import EchoPlayerError
from ..exitcodes import ExitCode
from ._tavus_options import client_from_options, settings_from_options, tavus_options

__all__ = ["COMMANDS"]


@click.group("conversations")
def conversations() -> None:
    """List and end Tavus conversations."""


@conversations.command("list")
@click.option("--active", is_flag=True, help="Only conversations still running (and billing).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@tavus_options
def list_conversations(active: bool, fmt: str, api_key_file: str | None, api: str | None) -> ExitCode:
    """List the account's conversations, newest as Tavus orders them."""
    with client_from_options(api_key_file, api) as client:
        found = client.list_conversations(active=active)
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in found], indent=2))
    elif not found:
        click.echo("no active conversations" if active else "no conversations", err=True)
    else:
        rows = [(c.id, c.status or "?", c.created_at or "", c.name or "", c.url or "") for c in found]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + f"  {row[3]}  {row[4]}")
    return ExitCode.OK


@conversations.command("end")
@click.argument("conversation_ids", nargs=-1, required=True, metavar="ID...")
@tavus_options
def end_conversations(conversation_ids: tuple[str, ...], api_key_file: str | None, api: str | None) -> ExitCode:
    """End conversations (ending an ended one is fine). Exit 3 if any could not be ended."""
    from ..tavus import AuthenticationError, NetworkError, TavusError

    failed = False
    with client_from_options(api_key_file, api) as client:
        for conversation_id in conversation_ids:
            try:
                client.end_conversation(conversation_id)
            except (AuthenticationError, NetworkError):
                raise  # the same for every id: say it once
            except TavusError as exc:
                click.echo(f"echo-player: error: {conversation_id}: {exc}", err=True)
                failed = True
            else:
                click.echo(f"ended {conversation_id}")
    return ExitCode.FAILED if failed else ExitCode.OK


@click.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Only list what would be ended and deleted.")
@click.option("--all-active", is_flag=True, help="End every active conversation on the account, not only echo-player's.")
@click.option("--force", is_flag=True, help="Include what a run still in progress on this machine created.")
@tavus_options
def cleanup_command(dry_run: bool, all_active: bool, force: bool, api_key_file: str | None, api: str | None) -> ExitCode:
    """End the conversations and delete the personas echo-player created and left behind
    (found in the ledger and by the `[echo-player ...]` name tag). Exit 3 if any failed."""
    from ..tavus import cleanup

    with client_from_options(api_key_file, api) as client:
        items = cleanup(client, dry_run=dry_run, all_active=all_active, include_running=force)
    for item in items:
        click.echo(str(item), err=item.failed)
    if not items:
        click.echo("nothing to clean up")
    else:
        # done, gone, would, failed: <message>, or skipped
        counts = Counter("skipped" if item.skipped else item.outcome.split(":")[0] for item in items)
        click.echo("cleanup: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
    return ExitCode.FAILED if any(item.failed for item in items) else ExitCode.OK


@click.command("doctor")
@tavus_options
def doctor(api_key_file: str | None, api: str | None) -> ExitCode:
    """Check what a real run needs: an accepted API key, daily-python, ffmpeg, an empty ledger.
    Exit 0 when all is well (warnings allowed), 3 when something is missing."""
    failures = 0

    def report(status: str, what: str, detail: str, fix: str = "") -> None:
        nonlocal failures
        failures += status == "FAIL"
        click.echo(f"{status:<5} {what:<14} {detail}")
        if fix:
            click.echo(f"{'':<5} {'':<14} fix: {fix}")

    for check in (_check_key, _check_daily, _check_ffmpeg, _check_ledger):
        check(report, api_key_file, api)
    return ExitCode.FAILED if failures else ExitCode.OK


_Report = Callable[..., None]


def _check_key(report: _Report, api_key_file: str | None, api: str | None) -> None:
    from ..tavus import AuthenticationError, TavusClient, TavusError

    try:
        settings = settings_from_options(api_key_file, api)
    except EchoPlayerError as exc:
        report("FAIL", "API key", str(exc), "export TAVUS_API_KEY=... or pass --api-key-file PATH")
        report("skip", "key accepted", "no key to try")
        return
    source = f"--api-key-file {api_key_file}" if api_key_file else "TAVUS_API_KEY"
    report("ok", "API key", f"found in {source}")
    try:
        with TavusClient(settings) as client:
            client.list_replicas(limit=1)
    except AuthenticationError as exc:
        report("FAIL", "key accepted", str(exc), "create a new key in the Tavus developer portal")
    except TavusError as exc:
        report("FAIL", "key accepted", str(exc), "check the network and TAVUS_API_URL, then retry")
    else:
        report("ok", "key accepted", f"by {settings.base_url}")


def _check_daily(report: _Report, *_: object) -> None:
    try:
        daily = importlib.import_module("daily")
    except Exception as exc:  # ImportError, or a broken native library
        report("FAIL", "daily-python", f"cannot import daily ({type(exc).__name__}: {exc})", "pip install daily-python")
        return
    report("ok", "daily-python", f"importable (version {getattr(daily, '__version__', 'unknown')})")


def _check_ffmpeg(report: _Report, *_: object) -> None:
    from ..audio import find_ffmpeg

    path = find_ffmpeg()
    if path:
        report("ok", "ffmpeg", str(path))
    else:
        # Only compressed clips need it: WAV and text scenarios play without.
        report(
            "warn",
            "ffmpeg",
            "not found: MP3/OGG/M4A/FLAC clips cannot be decoded",
            "install ffmpeg (apt install ffmpeg, brew install ffmpeg) or pip install 'echo-player[ffmpeg]'",
        )


def _check_ledger(report: _Report, *_: object) -> None:
    from ..tavus import DEFAULT_BASE_URL, Ledger, TavusError, normalize_base_url

    ledger = Ledger.from_env()
    try:
        base_url = normalize_base_url(os.environ.get("TAVUS_API_URL") or DEFAULT_BASE_URL)
        entries = ledger.entries()  # one read: split here rather than read it twice
    except TavusError as exc:
        report("FAIL", "ledger", str(exc))
        return
    mine = [e for e in entries if e.base_url == base_url]
    others = len(entries) - len(mine)
    elsewhere = f" ({others} for other API URLs)" if others else ""
    running = sum(1 for e in mine if e.owner_running())
    left = len(mine) - running
    if left:
        report(
            "FAIL",
            "ledger",
            f"{left} resource(s) left by earlier runs in {ledger.path}{elsewhere}",
            "echo-player cleanup (see what it would do with --dry-run)",
        )
    elif running:
        report("ok", "ledger", f"{running} resource(s) of a run in progress ({ledger.path}){elsewhere}")
    else:
        report("ok", "ledger", f"empty ({ledger.path}){elsewhere}")


COMMANDS: list[click.Command] = [conversations, cleanup_command, doctor]
