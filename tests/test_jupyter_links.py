"""Which link a notebook prints and embeds (directly, or through Jupyter's proxy), and the launcher's server entry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tornado_timer import jupyter_links, jupyter_proxy
from tornado_timer.jupyter_links import JupyterServer, Route, route

LOCAL = JupyterServer("http://127.0.0.1:8888/", "/")
HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"}


def test_a_kernel_outside_jupyter_links_directly() -> None:
    plain = route({}, None, proxy_installed=True)
    assert plain == Route(None)
    assert plain.page_link("127.0.0.1", 41234) == "http://127.0.0.1:41234/"
    assert plain.embed_link("127.0.0.1", 41234) == "http://127.0.0.1:41234/"
    assert plain.page_link("::1", 5) == "http://[::1]:5/"
    assert plain.hosts == ()


def test_without_jupyter_server_proxy_a_local_jupyter_links_directly() -> None:
    assert route({}, LOCAL, proxy_installed=False).page_link("127.0.0.1", 41234) == "http://127.0.0.1:41234/"


def test_a_local_jupyter_with_the_proxy_links_through_it() -> None:
    local = route({}, LOCAL, proxy_installed=True)
    assert local.page_link("127.0.0.1", 41234) == "http://127.0.0.1:8888/proxy/41234/"
    assert local.embed_link("127.0.0.1", 41234) == "/proxy/41234/"  # resolved against the notebook's own page
    assert local.hosts == (), "Jupyter's own loopback name passes the Host check as it is"
    based = route({}, JupyterServer("http://localhost:8888/lab-base/", "/lab-base/"), proxy_installed=True)
    assert based.page_link("localhost", 9) == "http://localhost:8888/lab-base/proxy/9/"
    assert based.embed_link("localhost", 9) == "/lab-base/proxy/9/"


def test_jupyter_on_another_machine_makes_the_server_answer_its_name() -> None:
    remote = route({}, JupyterServer("http://lab-pc:8888/", "/"), proxy_installed=True)
    assert remote.page_link("127.0.0.1", 41234) == "http://lab-pc:8888/proxy/41234/"
    assert remote.hosts == ("lab-pc",)


def test_a_hub_links_under_its_prefix_and_answers_any_name() -> None:
    hub = route(HUB, LOCAL, proxy_installed=False)  # the prefix says it all, whatever the kernel's packages
    assert hub.page_link("127.0.0.1", 41234) == "/user/ann/proxy/41234/"
    assert hub.embed_link("127.0.0.1", 41234) == "/user/ann/proxy/41234/"
    assert hub.hosts == ("*",)
    public = route({**HUB, "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/user/ann/"}, None, False)
    assert public.page_link("127.0.0.1", 41234) == "https://hub.example.org/user/ann/proxy/41234/"
    assert public.embed_link("127.0.0.1", 41234) == "/user/ann/proxy/41234/"
    assert route({"JUPYTERHUB_SERVICE_PREFIX": "user/bo b"}, None, False).proxy_path(1) == "/user/bo b/proxy/1/"


def test_a_server_on_another_machine_is_always_linked_directly() -> None:
    hub = route(HUB, None, proxy_installed=True)
    assert hub.page_link("timer.lan", 8080) == "http://timer.lan:8080/"  # the proxy reaches only its loopback
    assert hub.page_link("localhost", 8080) == "/user/ann/proxy/8080/"


@pytest.mark.parametrize(("name", "loopback"), [("localhost", True), ("a.localhost", True), ("127.0.0.2", True),
                                                ("[::1]", True), ("::1", True), ("lab-pc", False), ("10.0.0.1", False),
                                                ("", False)])
def test_loopback_names(name: str, loopback: bool) -> None:
    assert jupyter_links.is_loopback_name(name) is loopback


def _server_file(runtime: Path, pid: int, **info: object) -> None:
    runtime.mkdir(exist_ok=True)
    body = {"url": "http://127.0.0.1:8888/", "base_url": "/", "pid": pid, "token": "secret", **info}
    (runtime / f"jpserver-{pid}.json").write_text(json.dumps(body))


def test_the_kernels_jupyter_server_is_found_by_its_pid(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    _server_file(runtime, 4242, base_url="/user/ann/")
    _server_file(runtime, 777)
    env = {"JUPYTER_RUNTIME_DIR": str(runtime), "JPY_PARENT_PID": "4242"}
    assert jupyter_links.running_jupyter_server(env) == JupyterServer("http://127.0.0.1:8888/", "/user/ann/")
    assert jupyter_links.running_jupyter_server({**env, "JPY_PARENT_PID": "1"}) is None  # another process
    assert jupyter_links.running_jupyter_server({**env, "JPY_PARENT_PID": "../777"}) is None
    assert jupyter_links.running_jupyter_server({"JUPYTER_RUNTIME_DIR": str(runtime)}) is None
    (runtime / "jpserver-99.json").write_text("{not json")
    assert jupyter_links.running_jupyter_server({**env, "JPY_PARENT_PID": "99"}) is None
    (runtime / "jpserver-98.json").write_text(json.dumps({"pid": 98, "url": 5}))
    assert jupyter_links.running_jupyter_server({**env, "JPY_PARENT_PID": "98"}) is None


def test_this_process_outside_jupyter_links_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JPY_PARENT_PID"):
        monkeypatch.delenv(name, raising=False)
    assert jupyter_links.page_link("127.0.0.1", 5) == "http://127.0.0.1:5/"
    assert jupyter_links.embed_link("127.0.0.1", 5) == "http://127.0.0.1:5/"
    assert jupyter_links.proxy_hosts() == ()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ann/")
    assert jupyter_links.page_link("127.0.0.1", 5) == "/user/ann/proxy/5/"
    assert jupyter_links.proxy_hosts() == ("*",)


def test_the_launchers_server_gets_a_fresh_token_through_the_proxy_only() -> None:
    first, second = jupyter_proxy.server_proxy_config(), jupyter_proxy.server_proxy_config()
    command = first["command"]
    assert command[:3] == [sys.executable, "-m", "tornado_timer"] and "{port}" in command
    assert command[command.index("--host") + 1] == "127.0.0.1" and "--no-state" in command
    token = first["environment"]["TORNADO_TIMER_CONTROL_TOKEN"]
    assert len(token) >= 16 and "{" not in token and token not in " ".join(command)
    assert first["request_headers_override"] == {"Authorization": f"Bearer {token}"}
    assert second["environment"]["TORNADO_TIMER_CONTROL_TOKEN"] != token
    icon = Path(first["launcher_entry"]["icon_path"])
    assert icon.suffix == ".svg" and icon.read_text().startswith("<svg")
    assert first["launcher_entry"]["title"] == "Tornado Timer" and first["timeout"] >= 10
