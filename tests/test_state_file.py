"""Where timers are saved, and what happens when they cannot be: a state file that cannot be written is refused at
start, one that stops being writable is reported in /healthz and /metrics (and logged once), and the default file
is one per address and port, an earlier version's file moved to its new name."""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import JsonClient, Serve, ServerProcess, eventually, free_port, http_at, http_get, run_cli

from tornado_timer import ServerConfig
from tornado_timer.store.location import default_state_file, earlier_state_file, host_in_file_name
from tornado_timer.store.statefile import StateFile, StateFileError

# ---- Refused at start ------------------------------------------------------------------------------------


def test_a_state_file_that_cannot_be_written_is_refused_at_start_with_status_1(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run_cli("--port", "0", "--state-file", str(tmp_path / "a-file" / "state.json"))
    assert result.returncode == 1, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("tornado-timer: error: cannot save timers in ")
    assert "a-file is a file, not a folder" in result.stderr and "--no-state" in result.stderr
    assert "timers are saved in" not in result.stdout and "serving" not in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file: permissions refuse nothing to it")
@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_folder_or_file_without_write_permission_is_refused_at_start(tmp_path: Path, what: str) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / "state.json"
    StateFile(path).write([])
    (folder if what == "folder" else path).chmod(0o555 if what == "folder" else 0o444)
    try:
        result = run_cli("--port", "0", "--state-file", str(path))
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1 and "cannot save timers in" in result.stderr, result


def test_checking_creates_no_state_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "state.json"
    StateFile(path).check_writable()
    assert path.parent.is_dir() and not list(path.parent.iterdir())
    (tmp_path / "file").write_text("")
    with pytest.raises(StateFileError, match="is a file, not a folder"):
        StateFile(tmp_path / "file" / "state.json").check_writable()
    with pytest.raises(StateFileError, match="is a directory"):
        StateFile(tmp_path).check_writable()


# ---- Unwritable while running ----------------------------------------------------------------------------


async def health(server: object) -> dict[str, object]:
    response = await http_get(http_at(server, "/healthz"), raise_error=True)  # type: ignore[arg-type]
    assert response.code == 200, "degraded is still 200: the server still serves every screen"
    body: dict[str, object] = json.loads(response.body)
    return body


async def unsaved_gauge(server: object) -> float:
    text = (await http_get(http_at(server, "/metrics"), raise_error=True)).body.decode()  # type: ignore[arg-type]
    return float(next(line for line in text.splitlines() if line.startswith("tornado_timer_state_unsaved ")).split()[1])


@pytest.mark.async_timeout(15)
async def test_a_state_file_that_stops_being_writable_is_reported_in_health_and_logged_once(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "state"
    server = await serve(ServerConfig(host="127.0.0.1", port=0, autostart=False, state_file=str(folder / "s.json")))
    client = await JsonClient.joined(server.ws_url())
    await client.command({"type": "start"})
    assert await eventually(lambda: (folder / "s.json").exists())
    assert (await health(server))["status"] == "ok" and await unsaved_gauge(server) == 0

    aside = tmp_path / "aside"
    os.rename(folder, aside)
    folder.write_text("the folder is gone: saving cannot work")  # fails for root too
    with caplog.at_level(logging.WARNING, logger="tornado_timer.state"):
        for command in ("pause", "resume", "pause", "resume", "pause"):
            await client.command({"type": command})
            await eventually(lambda: server.app.registry.store.problem is not None)
        body = await health(server)
        assert body["status"] == "degraded" and body["store_available"] is True
        assert "cannot save the state file" in str(body["reason"]), body
        assert await unsaved_gauge(server) == 1
        failures = [r for r in caplog.records if "cannot save the state file" in r.getMessage()]
        assert len(failures) == 1, [r.getMessage() for r in caplog.records]

        folder.unlink()
        os.rename(aside, folder)
        await client.command({"type": "resume"})
        assert await eventually(lambda: server.app.registry.store.problem is None)
    assert (await health(server))["status"] == "ok" and await unsaved_gauge(server) == 0
    assert "saving the state file" in caplog.text and "again" in caplog.text
    saved = json.loads((folder / "s.json").read_text())["timers"]
    assert [record["status"] for record in saved if record["name"] == "default"] == ["running"]


def test_a_save_that_fails_on_stop_is_an_error_and_status_1(
    tmp_path: Path, start_server_process: Callable[..., ServerProcess],
) -> None:
    folder = tmp_path / "state"
    server = start_server_process("--no-autostart", "--state-file", str(folder / "s.json"))
    _start(server.http_url, "talk")
    os.rename(folder, tmp_path / "aside")
    folder.write_text("the folder is gone")
    server.process.terminate()
    assert server.process.wait(5) == 1
    assert "cannot save timers in" in server.stderr_text() and "on stop" in server.stderr_text()


# ---- The default file: one per address and port ----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "name"),
    [("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"), ("::1", "__1"), ("[::1]", "__1"), ("", "all"),
     ("0.0.0.0", "0.0.0.0"), ("fe80::1%eth0", "fe80__1_eth0"), ("Timer.Example.ORG", "timer.example.org"),
     ("../../etc", ".._.._etc")],
)
def test_the_host_in_the_file_name_is_safe_and_readable(host: str, name: str) -> None:
    assert host_in_file_name(host) == name
    assert "/" not in host_in_file_name(host)


def test_the_default_file_is_in_the_state_directory_by_host_and_port() -> None:
    assert default_state_file("::1", 8080, {"XDG_STATE_HOME": "/s"}) == Path("/s/tornado-timer/state-__1-8080.json")
    assert default_state_file("localhost", 80, {"HOME": "/home/ann"}) == Path(
        "/home/ann/.local/state/tornado-timer/state-localhost-80.json")
    assert earlier_state_file(8080, {"XDG_STATE_HOME": "/s"}) == Path("/s/tornado-timer/state-8080.json")


def _ipv6_loopback_port(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", port))
    except OSError:
        return False
    return True


def _start(base: str, name: str) -> None:
    with urllib.request.urlopen(f"{base}api/v1/timers/{name}/start", timeout=5) as response:
        assert response.status == 200


def _saved_names(path: Path) -> set[str]:
    return {record["name"] for record in json.loads(path.read_text())["timers"]}


def _stop(server: ServerProcess) -> str:
    """SIGTERM; what it printed after its first line."""
    server.process.terminate()
    assert server.process.wait(5) == 0
    assert server.process.stdout is not None
    return server.process.stdout.read()


def test_two_servers_on_one_port_number_on_two_addresses_keep_two_files(
    tmp_path: Path, start_server_process: Callable[..., ServerProcess],
) -> None:
    port = free_port()
    if not _ipv6_loopback_port(port):
        pytest.skip("no IPv6 loopback here")
    env = {"XDG_STATE_HOME": str(tmp_path)}
    v4 = start_server_process("--no-autostart", env=env, port=port)
    v6 = start_server_process("--no-autostart", "--host", "::1", env=env, port=port)
    assert v6.http_url == f"http://[::1]:{port}/"
    _start(v4.http_url, "on-v4")
    _start(v6.http_url, "on-v6")
    folder = tmp_path / "tornado-timer"
    assert f"timers are saved in {folder / f'state-127.0.0.1-{port}.json'}" in _stop(v4)
    assert f"timers are saved in {folder / f'state-__1-{port}.json'}" in _stop(v6)
    assert _saved_names(folder / f"state-127.0.0.1-{port}.json") == {"default", "on-v4"}
    assert _saved_names(folder / f"state-__1-{port}.json") == {"default", "on-v6"}
    assert sorted(path.name for path in folder.iterdir()) == [f"state-127.0.0.1-{port}.json",
                                                              f"state-__1-{port}.json"]


def test_an_earlier_versions_file_is_moved_to_the_new_name_once_the_port_is_ours(
    tmp_path: Path, start_server_process: Callable[..., ServerProcess],
) -> None:
    port = free_port()
    folder = tmp_path / "tornado-timer"
    earlier = folder / f"state-{port}.json"
    before = start_server_process("--no-autostart", "--state-file", str(earlier), port=port)  # the earlier name
    _start(before.http_url, "talk")
    _stop(before)
    with socket.socket() as taken:  # another server has the port: its file is not ours to move
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the stopped server's connections linger
        taken.bind(("127.0.0.1", port))
        taken.listen()
        refused = run_cli("--host", "127.0.0.1", "--port", str(port), env={"XDG_STATE_HOME": str(tmp_path)})
    assert refused.returncode == 1 and earlier.exists()

    again = start_server_process("--no-autostart", env={"XDG_STATE_HOME": str(tmp_path)}, port=port)
    with urllib.request.urlopen(f"{again.http_url}api/v1/timers/talk", timeout=5) as response:
        assert json.loads(response.read())["timer"]["status"] == "running"
    printed = _stop(again)
    assert not earlier.exists() and _saved_names(folder / f"state-127.0.0.1-{port}.json") == {"default", "talk"}
    assert "(2 restored)" in printed
    assert "moved the state file" in again.stderr_text()


# ---- The test suite itself keeps out of the user's state directory (conftest.py, user_state.py) -------------


def test_the_session_saves_into_a_temporary_state_directory_of_its_own() -> None:
    home = Path(os.environ["XDG_STATE_HOME"])
    assert home.name.startswith("tornado-timer-state-home-") and home.is_dir()


def test_a_server_on_a_fixed_port_without_a_state_file_saves_into_the_sessions_directory(
    start_server_process: Callable[..., ServerProcess],
) -> None:
    port = free_port()
    server = start_server_process("--no-autostart", port=port)  # no --state-file, no --no-state
    _start(server.http_url, "talk")
    _stop(server)
    assert (Path(os.environ["XDG_STATE_HOME"]) / "tornado-timer" / f"state-127.0.0.1-{port}.json").is_file()


def test_the_guard_reports_what_a_run_wrote_into_the_users_state_directory(tmp_path: Path) -> None:
    from user_state import UserStateGuard

    folder = tmp_path / "tornado-timer"
    folder.mkdir()
    (folder / "state-localhost-8080.json").write_text("{}")
    guard = UserStateGuard({"XDG_STATE_HOME": str(tmp_path)})
    assert guard.report() is None
    (folder / "state-127.0.0.1-41234.json").write_text("{}")
    (folder / "state-localhost-8080.json").write_text('{"changed": true}')
    report = guard.report()
    assert report is not None and "THE TEST RUN WROTE INTO THE USER'S STATE DIRECTORY" in report
    assert guard.changes() == ["new: state-127.0.0.1-41234.json", "changed: state-localhost-8080.json"]
    assert UserStateGuard({"HOME": str(tmp_path / "nobody")}).report() is None
