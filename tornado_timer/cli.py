"""`python -m tornado_timer`: parse options (each also read from an environment variable) and serve."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from .server import ConfigError, ServerConfig, start_server
from .server.auth import is_loopback, new_token
from .server.processes import Supervisor
from .server.runner import ListenError, RunningServerAddress, listen
from .server.sendloop import describe_path
from .store import StoreUnavailable
from .store.location import adopt_earlier_file, default_state_file, earlier_state_file

ENV_PREFIX = "TORNADO_TIMER_"
#: What stops a server at run time (exit status 1), each with a message a person can act on.
RUN_TIME_FAILURES = (ListenError, StoreUnavailable, OSError)
EXIT_STATUSES = ("Exit status: 0 after a clean stop (Ctrl+C, SIGTERM); 2 for a bad option or value (one line says "
                 "which); 1 for a failure at run time: the port is in use, the state file cannot be written, the "
                 "store cannot be reached at start.")


@dataclass(frozen=True)
class Launch:
    """What the command line asks for: the server's settings, and what only the command line needs to know."""

    config: ServerConfig
    log_level: str
    token_generated: bool = False  # printed in full only then: one the operator set is theirs already
    earlier_state_file: Path | None = None  # an earlier version's name for the default state file


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad value is one clear line (not the whole usage) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        option = message.split("argument ", 1)[-1].split(":", 1)[0].split("/")[0] if "argument " in message else ""
        variable = ENV_PREFIX + option.lstrip("-").replace("-", "_").upper()
        source = f" (from {variable})" if option.startswith("--") and variable in os.environ else ""
        self.exit(2, f"tornado-timer: error: {message}{source} (see --help)\n")


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _env_flag(name: str, default: bool) -> bool:
    value = _env(name, None)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{ENV_PREFIX}{name} must be true or false, not {value!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m tornado_timer",
        description="Serve shared real-time timers: the page at /, the WebSocket at /ws and /ws/<name>.",
        epilog=f"Every option can also be set with an environment variable: {ENV_PREFIX}<OPTION>, "
        f"for example {ENV_PREFIX}PORT=9000 or {ENV_PREFIX}AUTOSTART=false. Options win over variables. "
        + EXIT_STATUSES,
    )
    add = parser.add_argument
    add("--host", default=_env("HOST", "localhost"), help="address to listen on (default: localhost)")
    add("--port", type=int, default=_env("PORT", "8080"), help="port to listen on; 0 picks a free one (default: 8080)")
    add("--interval", type=float, default=_env("INTERVAL", "1.0"), metavar="SECONDS",
        help="seconds between ticks, 0.01 to 3600 (default: 1.0)")
    add("--start", type=float, default=_env("START", "0"), metavar="SECONDS",
        help="the default stopwatch's initial value in seconds (default: 0)")
    add("--mode", choices=("stopwatch", "countdown"), default=_env("MODE", "stopwatch"),
        help="the default timer's mode (default: stopwatch)")
    add("--duration", type=float, default=_env("DURATION", None), metavar="SECONDS",
        help="the default countdown's length in seconds (needed with --mode countdown)")
    add("--warning", type=float, default=_env("WARNING", None), metavar="SECONDS",
        help="the default countdown turns amber (its warning phase) with this many seconds left")
    add("--danger", type=float, default=_env("DANGER", None), metavar="SECONDS",
        help="... and red (danger) with this many left; less than --warning")
    add("--overtime", action=argparse.BooleanOptionalAction, default=None,
        help="the default countdown counts on past zero (shown as +0:12) instead of finishing (default: off)")
    add("--autostart", action=argparse.BooleanOptionalAction, default=None,
        help="run the default timer as soon as the server starts (default: on)")
    add("--max-timers", type=int, default=_env("MAX_TIMERS", "1000"), metavar="N",
        help="most named timers held at once; new names beyond it are refused with 503 (default: 1000)")
    add("--allow-origin", action="append", default=None, metavar="ORIGIN",
        help="also accept WebSocket handshakes from pages on ORIGIN, e.g. https://example.org (repeatable; "
        "same-origin pages and pages opened from disk are always accepted)")
    add("--allow-host", action="append", default=None, metavar="NAME",
        help="a server on loopback with no control token answers only requests addressed to loopback names (a "
        "defence against DNS rebinding); also answer those addressed to NAME, the public name of a proxy in front "
        "of it such as a JupyterHub's (repeatable; * answers any name)")
    add("--control-token", default=_env("CONTROL_TOKEN", None), metavar="TOKEN",
        help="clients must present TOKEN (?token= or Authorization: Bearer) to control timers; others only "
        "watch; never printed (the control link shows ?token=...). Default: none on loopback (everyone "
        "controls); generated and printed on any other address")
    add("--state-file", default=_env("STATE_FILE", None), metavar="PATH",
        help="where timers are saved on every change and restored at start; a path that cannot be written is "
        "an error at start (default: $XDG_STATE_HOME/tornado-timer/state-HOST-PORT.json; none with --port 0)")
    add("--no-state", action="store_true", default=_env_flag("NO_STATE", False),
        help="save nothing: timers start fresh every time")
    add("--max-connections", type=int, default=_env("MAX_CONNECTIONS", "20000"), metavar="N",
        help="most WebSocket connections at once; more are refused with 503 (default: 20000)")
    add("--max-connections-per-timer", type=int, default=_env("MAX_CONNECTIONS_PER_TIMER", "15000"), metavar="N",
        help="most connections to one timer; more are refused with 503 (default: 15000)")
    add("--max-messages-per-second", type=float, default=_env("MAX_MESSAGES_PER_SECOND", "20"), metavar="N",
        help="per connection, with bursts of twice that; beyond it a rate_limited error, then close 1008 "
        "(default: 20)")
    add("--ping-interval", type=float, default=_env("PING_INTERVAL", "20"), metavar="SECONDS",
        help="keepalive ping every SECONDS; a peer that does not answer within --ping-timeout is dropped; 0: off "
        "(default: 20)")
    add("--ping-timeout", type=float, default=_env("PING_TIMEOUT", "20"), metavar="SECONDS",
        help="see --ping-interval (default: 20)")
    add("--store", default=_env("STORE", "memory://"), metavar="URL",
        help="where timers live: memory:// (this process, saved to --state-file) or redis://host:port/db, "
        "shared by several processes (default: memory://)")
    add("--processes", type=int, default=_env("PROCESSES", "1"), metavar="N",
        help="run N server processes on the one port; needs --store redis://... (default: 1)")
    add("--fast-fanout", action=argparse.BooleanOptionalAction, default=None,
        help="send each tick's frame straight to every socket (default: on); off uses Tornado's write_message "
        "per client, the baseline the benchmark compares against")
    add("--native-send", action=argparse.BooleanOptionalAction, default=None,
        help="with --fast-fanout, send each frame to all clients in one call of the C send loop where it was "
        "built (default: on; the start-up lines and /metrics say which path runs)")
    add("--log-level", choices=("debug", "info", "warning", "error"), default=_env("LOG_LEVEL", "warning"),
        help="how much to log (default: warning)")
    return parser


def config_from_args(argv: Sequence[str] | None = None) -> Launch:
    parser = build_parser()
    args = parser.parse_args(argv)
    for option, choices in (("mode", ("stopwatch", "countdown")), ("log_level", ("debug", "info", "warning", "error"))):
        if getattr(args, option) not in choices:  # argparse does not check defaults, which come from the environment
            parser.error(f"argument --{option.replace('_', '-')}: invalid choice: {getattr(args, option)!r}")
    allow = args.allow_origin if args.allow_origin is not None else (_env("ALLOW_ORIGIN", None) or "").split()
    hosts = args.allow_host if args.allow_host is not None else (_env("ALLOW_HOST", None) or "").split()
    autostart = args.autostart if args.autostart is not None else _env_flag("AUTOSTART", True)
    overtime = args.overtime if args.overtime is not None else _env_flag("OVERTIME", False)
    fast_fanout = args.fast_fanout if args.fast_fanout is not None else _env_flag("FAST_FANOUT", True)
    native_send = args.native_send if args.native_send is not None else _env_flag("NATIVE_SEND", True)
    state_file, earlier = _state_file(args)
    config = ServerConfig(
        host=args.host, port=args.port, interval=args.interval, start=args.start, mode=args.mode,
        duration=args.duration, warning=args.warning, danger=args.danger, overtime=overtime, autostart=autostart,
        max_timers=args.max_timers, allow_origins=tuple(allow), allow_hosts=tuple(hosts),
        fast_fanout=fast_fanout, native_send=native_send, control_token=args.control_token, state_file=state_file,
        max_connections=args.max_connections, max_connections_per_timer=args.max_connections_per_timer,
        max_messages_per_second=args.max_messages_per_second, ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout, store=args.store, processes=args.processes,
    )
    generated = config.control_token is None and not is_loopback(config.host)
    if generated:
        config = dataclasses.replace(config, control_token=new_token())
    return Launch(config, args.log_level, token_generated=generated, earlier_state_file=earlier)


def _state_file(args: argparse.Namespace) -> tuple[str | None, Path | None]:
    """The state file, and (for the default one) the name an earlier version gave it."""
    if args.no_state:
        return None, None
    if args.state_file:
        return str(args.state_file), None
    if args.port == 0 or not args.store.startswith("memory://"):
        return None, None  # a new port every run: nothing to come back to; or the state lives in the store
    return str(default_state_file(args.host, args.port, os.environ)), earlier_state_file(args.port, os.environ)


async def serve(launch: Launch, sockets: list[socket.socket] | None = None, announce: bool = True) -> None:
    """Serve until SIGINT or SIGTERM; then close every socket with 1001 and return. A second signal exits."""
    # Thousands of long-lived connections make each full pass of the cyclic GC walk all their objects (0.2 s at
    # 5k clients, 0.5 s at 10k), stalling ticks and handshakes while clients connect: collect the young
    # generation less often, so that full passes are rare (docs/performance.md).
    gc.set_threshold(50_000, 20, 100)
    config = launch.config
    if sockets is None:
        sockets = listen(config)
    if config.state_file and launch.earlier_state_file:  # only once the port is ours: not another server's file
        adopt_earlier_file(Path(config.state_file), launch.earlier_state_file)
    server = start_server(config, sockets)
    try:
        await server.ready()
    except BaseException:
        server.stop()
        await server.app.registry.close()  # stops the store's background work, or asyncio.run waits for it
        raise
    if announce:
        _announce(launch, server.http_url, server.ws_url(), server.app.registry.restored)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, _on_signal, stopping)
    await stopping.wait()
    server.stop()
    await server.drain(timeout=0.5)


def _announce(launch: Launch, http_url: str, ws_url: str, restored: int | None) -> None:
    """Where it serves, and how to control it: a token the server made up is printed in full (nobody else knows
    it); one the operator set is not (it would land in terminal scrollback and service logs), like Jupyter."""
    config = launch.config
    print(f"tornado-timer: serving {http_url} (WebSocket {ws_url})", flush=True)
    print(f"tornado-timer: fan-out: {describe_path(config.fast_fanout, config.native_send)}", flush=True)
    if config.control_token is not None and launch.token_generated:
        print(f"tornado-timer: control link (keep it to yourself): {http_url}?token={config.control_token}",
              flush=True)
        print(f"tornado-timer: view-only link: {http_url}", flush=True)
    elif config.control_token is not None:
        print(f"tornado-timer: control link: {http_url}?token=... (with the token you set in --control-token or "
              f"{ENV_PREFIX}CONTROL_TOKEN)", flush=True)
        print(f"tornado-timer: view-only link: {http_url}", flush=True)
    if config.state_file and restored is not None:
        print(f"tornado-timer: timers are saved in {config.state_file} ({restored} restored)", flush=True)
    if config.processes > 1:
        print(f"tornado-timer: {config.processes} processes sharing {config.store}", flush=True)
    print("tornado-timer: press Ctrl+C to stop", flush=True)


def serve_processes(launch: Launch) -> int:
    """`--processes N`: bind once, fork N servers on the same sockets, supervise them."""
    config = launch.config
    sockets = listen(config)
    port = sockets[0].getsockname()[1]
    probe = RunningServerAddress(config.host, port)
    _announce(launch, probe.http_url, probe.ws_url(), None)

    def child(inherited: list[socket.socket]) -> int:
        try:
            asyncio.run(serve(launch, inherited, announce=False))
        except RUN_TIME_FAILURES as error:
            print(f"tornado-timer: error: {error}", file=sys.stderr, flush=True)
            return 1
        return 0

    return Supervisor(config.processes, sockets, child).run()


def _on_signal(stopping: asyncio.Event) -> None:
    if stopping.is_set():
        os._exit(1)  # a second signal: the user means it, exit at once
    stopping.set()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        launch = config_from_args(argv)
    except ConfigError as error:
        print(f"tornado-timer: error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=launch.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if launch.config.processes > 1:
            return serve_processes(launch)
        asyncio.run(serve(launch))
    except RUN_TIME_FAILURES as error:
        print(f"tornado-timer: error: {error}", file=sys.stderr)
        return 1
    print("tornado-timer: stopped", flush=True)
    return 0
