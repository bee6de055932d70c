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
    (found in the ledger and by the `[echo-player ...]` name tag). Exit 3 if any failed.
    With --dry-run and no key, it shows what the ledger holds."""
    from ..tavus import ConfigurationError, cleanup

    if dry_run and not api_key_file:
        try:
            settings_from_options(api_key_file, api)
        except ConfigurationError:
            return _show_ledger()

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


def _show_ledger() -> ExitCode:
    """No key: what the ledger remembers, without asking Tavus (which needs the key)."""
    from ..tavus import Ledger

    ledger = Ledger.from_env()
    entries = ledger.entries()
    click.echo(f"no API key: showing the ledger only ({ledger.path}); the name-tag search needs TAVUS_API_KEY")
    for e in entries:
        verb = "end conversation" if e.kind == "conversation" else "delete persona"
        running = " (its run is still going)" if e.owner_running() else ""
        click.echo(f"would {verb} {e.id or '(id unknown: create unanswered)'} {e.name!r} at {e.base_url}{running}")
    click.echo(f"cleanup: {len(entries)} in the ledger" if entries else "nothing in the ledger")
    return ExitCode.OK


@click.command("doctor")
@click.option(
    "--live", is_flag=True, help="Also try the API for real at no cost: an echo persona and a test_mode conversation, then clean up."
)
@tavus_options
def doctor(live: bool, api_key_file: str | None, api: str | None) -> ExitCode:
    """Check what a real run needs: an accepted API key, daily-python, ffmpeg, an empty ledger.
    Without a key it says the local replica needs none. Exit 0 when all is well (warnings
    allowed), 3 when something is missing."""
    failures = 0

    def report(status: str, what: str, detail: str, fix: str = "") -> None:
        nonlocal failures
        failures += status == "FAIL"
        click.echo(f"{status:<5} {what:<14} {detail}")
        if fix:
            click.echo(f"{'':<5} {'':<14} fix: {fix}")

    have_key = _check_key(report, api_key_file, api)
    for check in (_check_daily, _check_ffmpeg, _check_ledger):
        check(report, api_key_file, api)
    if live:
        if have_key:
            from ._doctor_live import live_checks

            live_checks(report, settings_from_options(api_key_file, api))
        else:
            report("FAIL", "live", "needs a Tavus API key", "export TAVUS_API_KEY=... or pass --api-key-file PATH")
    return ExitCode.FAILED if failures else ExitCode.OK


_Report = Callable[..., None]


def _check_key(report: _Report, api_key_file: str | None, api: str | None) -> bool:
    """True when there is a key (accepted or not)."""
    from ..tavus import AuthenticationError, ConfigurationError, TavusClient, TavusError

    try:
        settings = settings_from_options(api_key_file, api)
    except ConfigurationError:  # no key at all: fine for the local replica
        report("ok", "API key", "none: `play` runs on the built-in local replica, which needs no key")
        report("skip", "key accepted", "for real Tavus runs: export TAVUS_API_KEY=... (or --api-key-file PATH)")
        return False
    except EchoPlayerError as exc:
        report("FAIL", "API key", str(exc), "export TAVUS_API_KEY=... or pass --api-key-file PATH")
        report("skip", "key accepted", "no key to try")
        return False
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
    return True


def _check_daily(report: _Report, *_: object) -> None:
    try:
        daily = importlib.import_module("daily")
    except Exception as exc:  # ImportError, or a broken native library
        report("FAIL", "daily-python", f"cannot import daily ({type(exc).__name__}: {exc})", "pip install daily-python")
        return
    report("ok", "daily-python", f"importable (version {_daily_version(daily)})")


def _daily_version(daily: object) -> str:
    """The installed distribution's version: the `daily` module has no __version__."""
    from importlib import metadata

    try:
        return metadata.version("daily-python")
    except metadata.PackageNotFoundError:
        return str(getattr(daily, "__version__", "unknown"))


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
