"""The address of a timer server that a notebook prints and embeds, wherever Jupyter runs.

A notebook's kernel starts its server on its own machine's loopback, `127.0.0.1:PORT`. A browser on that machine
opens it directly. On a JupyterHub, on Binder, or with Jupyter on another machine, the browser cannot reach that
address (and an `http://` frame inside an `https://` page is blocked as mixed content), so it goes through
Jupyter's own proxy, jupyter-server-proxy, at `{base_url}proxy/{port}/`, behind Jupyter's login.

Which applies is read from what the kernel was started with: `JUPYTERHUB_SERVICE_PREFIX` on a hub (Binder runs
one), else the `base_url` of the Jupyter server that started this kernel, when jupyter-server-proxy is installed.
The rule is pure (`route` and `Route`); `current_route()` and the functions the notebooks call (`page_link`,
`embed_link`, `proxy_hosts`) gather its inputs from this process.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit


@dataclass(frozen=True)
class JupyterServer:
    """What a running Jupyter server says about itself in its `jpserver-PID.json`."""

    url: str  # where Jupyter says it can be opened, its base URL included: http://127.0.0.1:8888/
    base_url: str  # "/", or "/user/ann/" on a hub

    @classmethod
    def from_info(cls, info: Mapping[str, object]) -> JupyterServer | None:
        url, base_url = info.get("url"), info.get("base_url")
        if not isinstance(url, str) or not isinstance(base_url, str):
            return None
        return cls(url, base_url)


@dataclass(frozen=True)
class Route:
    """How a browser reaches a server listening on the kernel's loopback."""

    proxy_base: str | None  # Jupyter's base path ("/", "/user/ann/") when through its proxy; None: directly
    public_url: str | None = None  # Jupyter's own address as a browser opens it, when known
    hosts: tuple[str, ...] = ()  # the Host names the server must answer for it (its allow_hosts)

    def proxy_path(self, port: int) -> str | None:
        """`{base_url}proxy/{port}/` (the trailing slash keeps the page's relative URLs inside it), or None."""
        return None if self.proxy_base is None else f"{self.proxy_base}proxy/{port}/"

    def page_link(self, host: str, port: int) -> str:
        """The link to print: absolute where the address of Jupyter is known, else the path under it."""
        path = self.proxy_path(port)
        if path is None or not is_loopback_name(host):
            return direct_link(host, port)
        return urljoin(self.public_url, path) if self.public_url else path

    def embed_link(self, host: str, port: int) -> str:
        """The address for an `<iframe>` in the notebook: the path under Jupyter, which the browser resolves
        against the notebook's own page (same origin, same login, https on a hub)."""
        path = self.proxy_path(port)
        return direct_link(host, port) if path is None or not is_loopback_name(host) else path


def route(env: Mapping[str, str], server: JupyterServer | None, proxy_installed: bool) -> Route:
    """How the browser reaches the kernel's loopback, from the kernel's environment and its Jupyter server.

    On a hub, through its proxy, under `JUPYTERHUB_SERVICE_PREFIX`; the server must then answer the hub's own name,
    which the kernel does not know (`JUPYTERHUB_PUBLIC_URL` is often empty), so any name (`*`): no browser runs
    next to a hub's single-user server, so no page can rebind a name to its loopback. Elsewhere, through the
    Jupyter server that started the kernel when it has jupyter-server-proxy, answering that server's name if it is
    not a loopback one (Jupyter on another machine); else directly.
    """
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if prefix:
        return Route(_folder(prefix), env.get("JUPYTERHUB_PUBLIC_URL") or None, ("*",))
    if server is None or not proxy_installed:
        return Route(None)
    name = urlsplit(server.url).hostname or ""
    hosts = () if not name or is_loopback_name(name) or name in ("0.0.0.0", "::") else (name,)
    return Route(_folder(server.base_url), server.url, hosts)


def direct_link(host: str, port: int) -> str:
    """`http://host:port/`, with an IPv6 address in brackets."""
    name = "localhost" if host in ("", "0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/"


def is_loopback_name(host: str) -> bool:
    """`localhost`, `*.localhost`, or an address in 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _folder(path: str) -> str:
    """A base path with exactly one slash at each end: "user/ann" -> "/user/ann/", "" -> "/"."""
    inner = path.strip("/")
    return f"/{inner}/" if inner else "/"


# ---- This process: its environment, and the Jupyter server that started its kernel ----------------------------


def running_jupyter_server(env: Mapping[str, str]) -> JupyterServer | None:
    """The Jupyter server that started this kernel: jupyter_client gives a kernel its server's PID
    (`JPY_PARENT_PID`), and the server keeps `jpserver-PID.json` in Jupyter's runtime folder. None in a plain
    Python, under nbclient or another front end, or when the files cannot be read."""
    pid = env.get("JPY_PARENT_PID", "")
    folder = _runtime_dir(env)
    if not pid.isdigit() or folder is None:
        return None
    for name in (f"jpserver-{pid}.json", f"nbserver-{pid}.json"):  # Jupyter Server; the classic notebook
        try:
            info = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and str(info.get("pid")) == pid:
            return JupyterServer.from_info(info)
    return None


def _runtime_dir(env: Mapping[str, str]) -> Path | None:
    if env.get("JUPYTER_RUNTIME_DIR"):
        return Path(env["JUPYTER_RUNTIME_DIR"])
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return None  # no Jupyter here at all
    return Path(jupyter_runtime_dir())


def proxy_installed() -> bool:
    """jupyter-server-proxy is importable here (where the kernel runs, normally also where Jupyter runs)."""
    return importlib.util.find_spec("jupyter_server_proxy") is not None


def current_route() -> Route:
    """The route for a server started in this process."""
    return route(os.environ, running_jupyter_server(os.environ), proxy_installed())


def page_link(host: str, port: int) -> str:
    """The link to the server's page at `host:port` that a person reading this notebook can open."""
    return current_route().page_link(host, port)


def embed_link(host: str, port: int) -> str:
    """The address that shows the server's page in the notebook's own frame (`IFrame(embed_link(...))`)."""
    return current_route().embed_link(host, port)


def proxy_hosts() -> tuple[str, ...]:
    """The `allow_hosts` a server started here needs so that its page works through Jupyter's proxy."""
    return current_route().hosts
