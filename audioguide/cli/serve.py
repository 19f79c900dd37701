"""`serve`: the output folder as a page and a podcast feed for phones, with a QR code of its address."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import os
import re
import socket
import stat
import sys
from pathlib import Path

import click

from audioguide import files, settings, speech
from audioguide.cli.speech import CACHE_DIR_OPTION
from audioguide.errors import ServeError
from audioguide.export.files import make_dir
from audioguide.tracks import DEFAULT_OUTPUT_DIR

LOCAL_HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"  # every interface: the phone reaches the computer on its network address
DEFAULT_PORT = 8000
KEY_FILE = ".audioguide-serve-key"  # never served: only tracks and their sidecars are
KEY_FILE_BYTES = 1024  # a key is 22 characters: anything longer is not one of ours
KEY_FORM = re.compile(r"[A-Za-z0-9_-]{22,}")
PRIVATE = 0o600
HALF_BLOCKS = "\u2588\u2580\u2584"  # what segno's compact drawing is made of
# connect() on a UDP socket sends nothing; it only makes the system pick the outgoing address.
ROUTE_PROBE = ("10.255.255.255", 1)
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def _email(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not EMAIL.fullmatch(value):
        raise click.BadParameter(f"'{value}' is not an email address, such as you@example.org")
    return value


@click.command("serve")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of tracks to serve; builds from the page are written here too. "
    f"Default: your config's output folder, else {DEFAULT_OUTPUT_DIR}.",
)
@click.option(
    "--routines",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of your routine files (*.yaml) to offer beside the built-in ones.",
)
@click.option(
    "--lan", is_flag=True, help="Serve to phones on your network; every address then carries a key."
)
@click.option("--host", help=f"Address to listen on. Default: {LOCAL_HOST}, or {LAN_HOST} with --lan.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="0: any free port."
)
@click.option(
    "--new-key", is_flag=True, help="With --lan: make a new key; old addresses and feeds stop working."
)
@click.option(
    "--engine",
    help="Speech engine for builds from the page: auto, gtts, pico, espeak, piper. "
    "Default: your config's engine, else auto.",
)
@click.option("--owner-name", help="Optional: the name the podcast feed gives as its owner (itunes:owner).")
@click.option(
    "--owner-email",
    callback=_email,
    help="Optional: the email the podcast feed gives as its owner's (podcast directories ask for one).",
)
@CACHE_DIR_OPTION
def serve_command(
    output: Path | None,
    routines: Path | None,
    lan: bool,
    host: str | None,
    port: int,
    new_key: bool,
    engine: str | None,
    owner_name: str | None,
    owner_email: str | None,
    cache_dir: Path | None,
) -> None:
    """Serve the tracks to your phone: a page to play, download and customize them, and a podcast feed.

    Only this computer can open it unless --lan (or a --host other than this computer's) is
    given; then each address carries a secret key, shown in the QR code, without which
    nothing is served. The key is kept in the output folder, so addresses and podcast
    subscriptions keep working after a restart; --new-key replaces it. Ctrl-C stops it.
    """
    # The web stack loads only for this command: every other command starts without it.
    import uvicorn

    from audioguide.web import ServeConfig, connections, create_app
    from audioguide.web.feed import Owner

    chosen = settings.effective({"engine": engine, "output": output}, {"engine": speech.AUTO})
    engine = str(chosen["engine"].value)
    output = Path(chosen["output"].value or DEFAULT_OUTPUT_DIR)
    host = host or (LAN_HOST if lan else LOCAL_HOST)
    make_dir(output)
    token = _key(output, new_key) if lan or not _is_loopback(host) else None
    listening = _bind(host, port)
    port = listening.getsockname()[1]
    shown_host = _lan_address() if host in (LAN_HOST, "::") else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    address = f"http://{shown_host}:{port}/" + (f"{token}/" if token else "")
    # On this computer only there is no key: the page answers to this computer's names only.
    hosts = None if token else (host, "localhost", LOCAL_HOST, "::1")
    owner = Owner(owner_name or "", owner_email or "") if owner_name or owner_email else None
    config = ServeConfig(output, routines, engine, cache_dir, token=token, allowed_hosts=hosts, owner=owner)
    app = create_app(config)
    click.echo(f"Serving {output} (tracks) with builds by the {engine} voice.")
    click.echo(_banner(address, shown_host, token), nl=False)
    click.echo("Ctrl-C stops the server.")
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            http=connections.GuardedH11,
            timeout_keep_alive=connections.KEEP_ALIVE_S,
            limit_concurrency=connections.MAX_CONNECTIONS + 1,  # GuardedH11 keeps to the cap itself
            h11_max_incomplete_event_size=connections.MAX_HEAD_BYTES,
        )
    )
    with listening:
        server.run(sockets=[listening])


def _banner(address: str, shown_host: str, token: str | None) -> str:
    """The address and feed, with a QR code only for an address a phone can open."""
    lines = f"Page: {address}\nFeed: {address}feed.xml\n"
    if _is_loopback(shown_host.strip("[]")):
        if token is None:
            return (
                lines
                + "Only this computer can open it; to reach it from a phone, run: audioguide serve --lan\n"
            )
        return lines + (
            f"{shown_host} is this computer's own address, which no phone can open: no QR code. "
            "For a phone, leave out --host (--lan listens on your network)\n"
        )
    return (
        _terminal_qr(address)
        + lines
        + "Scan the code with the phone's camera (same network). Anyone with the address can use it.\n"
    )


def _terminal_qr(text: str) -> str:
    """The QR code in half-block characters, or, where the terminal cannot show them, in colours."""
    import segno

    drawn = io.StringIO()
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        HALF_BLOCKS.encode(encoding)
        compact = True
    except (UnicodeEncodeError, LookupError):
        compact = False
    segno.make(text, error="m").terminal(out=drawn, compact=compact)
    return drawn.getvalue()


def _key(folder: Path, renew: bool) -> str:
    """The LAN key, kept in the output folder so that a podcast app's subscription outlives a restart.

    Only a regular file of our own is read or written there, never through a link, and it is
    kept readable by its owner alone; anything else in its place gives a key for this run only.
    """
    path = folder / KEY_FILE
    if not renew:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            kept = files.read_regular(path, KEY_FILE_BYTES, follow=False).decode("ascii").strip()
            if KEY_FORM.fullmatch(kept):
                os.chmod(path, PRIVATE, follow_symlinks=False)  # a key others could read is no key
                return kept
    from audioguide.web import new_token

    key = new_token()
    flags = (
        os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    with contextlib.suppress(OSError):  # a read-only folder, or something else there: this run only
        descriptor = os.open(path, flags, PRIVATE)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return key
            os.fchmod(descriptor, PRIVATE)
            file.truncate(0)
            file.write(key + "\n")
    return key


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def _bind(host: str, port: int) -> socket.socket:
    """Listen before starting the app, so a taken port is a clear error and port 0 is known."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listening = socket.socket(family, socket.SOCK_STREAM)
    except (OSError, socket.gaierror) as exc:
        raise ServeError(f"cannot listen on {host}: {exc}. Check --host") from None
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen()
    except OSError as exc:
        listening.close()
        raise ServeError(
            f"cannot listen on {host}:{port}: {exc.strerror}. Choose another --port (0 picks a free one)"
        ) from None
    return listening


def _lan_address() -> str:
    """This computer's address on its network, as a phone there would reach it."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(ROUTE_PROBE)
        return probe.getsockname()[0]
    return socket.gethostname()


@click.command(
    "log", short_help="Show your training log: tracks played through on the page, and live coach sessions."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of tracks whose log to show. "
    f"Default: your config's output folder, else {DEFAULT_OUTPUT_DIR}.",
)
@click.option("--all", "show_all", is_flag=True, help="Every session, not only the last ones.")
def log_command(output: Path | None, show_all: bool) -> None:
    """Show your training log: the tracks played through on the page of `audioguide serve`, and
    the sessions with `audioguide coach`.

    The log is kept in the output folder (.audioguide-log.jsonl); nothing leaves the computer.
    """
    from audioguide import sessions

    chosen = settings.effective({"output": output}, {})
    folder = Path(chosen["output"].value or DEFAULT_OUTPUT_DIR)
    found = sessions.read(folder)
    if not found:
        click.echo(
            f"No sessions yet in {folder}: play a track through on the page of `audioguide serve`, "
            "or train with `audioguide coach`."
        )
        return
    click.echo(f"This week: {sessions.this_week(found)} of {len(found)} sessions in all.")
    for session in reversed(found if show_all else found[-sessions.SHOWN :]):
        click.echo(session.line())
