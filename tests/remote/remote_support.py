"""What the remote-Jupyter tests share: the hub-like Jupyter server's names and token, what a hub tells a user's
server, and the running server's addresses (the fixtures that start it are in conftest.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from helpers import ROOT, missing

HUB_NAME = "hub.test"
PREFIX = "/user/ann/"
TOKEN = "remote-jupyter-test-token"


def require_jupyter_server_proxy() -> None:
    """jupyter-server-proxy and this package's `tornado-timer` server entry point (pip install -e .[test])."""
    for module in ("jupyter_server_proxy", "notebook"):
        if importlib.util.find_spec(module) is None:
            missing(f"{module} is not installed (pip install -e '.[test]')")
    names = {ep.name for ep in entry_points(group="jupyter_serverproxy_servers")}
    if "tornado-timer" not in names:
        missing("the jupyter_serverproxy_servers entry point tornado-timer is not registered: install this "
                "checkout with its metadata (pip install -e '.[test]')")


def jupyter_environment(base: Path) -> dict[str, str]:
    """Jupyter's and IPython's files in `base`, the checkout importable, and what a hub tells a user's server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "TORNADO_TIMER_", "JPY_"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        env[name] = str(base / name.lower())
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env["JUPYTERHUB_SERVICE_PREFIX"] = PREFIX
    env["HOME"] = str(base / "home")  # the launcher's timer server, and anything else, keep out of ~
    return env


def status(url: str) -> Any:
    """GET `url`: its JSON, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


@dataclass
class Hub:
    """The running Jupyter server: where to open it, as the hub's name and as loopback."""

    process: subprocess.Popen[bytes]
    port: int
    root: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HUB_NAME}:{self.port}{PREFIX}"

    @property
    def loopback_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]
