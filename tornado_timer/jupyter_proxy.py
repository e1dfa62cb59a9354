"""A timer server that Jupyter starts on demand at `{base_url}tornado-timer/`, with a tile in JupyterLab's launcher.

jupyter-server-proxy finds `server_proxy_config` through the `jupyter_serverproxy_servers` entry point named
`tornado-timer`, runs its command on a free port the first time someone opens that address, and forwards
requests and WebSockets to it (the prefix stripped: the page finds its socket from the address it was loaded from).

Who may control it: the proxy only forwards requests that passed Jupyter's login, so everyone who comes through
it is the notebook's own user. Each Jupyter server gives its timer server a new random control token (in its
environment, never on a command line) and has the proxy add it to every request it forwards (as
`Authorization: Bearer`): through Jupyter, everyone controls; anyone who reaches the port some other way (another
user of the machine, a page of another site) only watches.
"""

from __future__ import annotations

import sys
from typing import Any

from .server.assets import static_dir
from .server.auth import new_token

NAME = "tornado-timer"
TITLE = "Tornado Timer"
#: jupyter-server-proxy gives up on a server that does not answer HTTP within this; ours starts in about 0.5 s.
START_TIMEOUT_S = 30.0


def server_proxy_config() -> dict[str, Any]:
    """The server process for jupyter-server-proxy: its command (`{port}` is filled in by the proxy), its
    environment, the header the proxy adds, and the launcher tile."""
    token = new_token()  # URL-safe: no braces, which the proxy would read as a template
    return {
        "command": [sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "{port}", "--no-state"],
        "environment": {"TORNADO_TIMER_CONTROL_TOKEN": token},
        "request_headers_override": {"Authorization": f"Bearer {token}"},
        "timeout": START_TIMEOUT_S,
        "new_browser_tab": True,
        "launcher_entry": {"enabled": True, "title": TITLE, "icon_path": str(static_dir() / "favicon.svg")},
    }
