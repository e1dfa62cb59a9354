"""A page of another site, open in the user's real browser, cannot change a timer through the HTTP API.

The attacker's page is served by a second, tiny HTTP server of the test's own, at `http://evil.localhost:PORT/`
(Chromium resolves every *.localhost name to loopback, and it is another site than 127.0.0.1). It makes the three
requests a page can make without reading the answer: an `<img>` GET, a form it submits by itself, and a `fetch`
with `mode: "no-cors"` and POST. It makes them twice: first at a recorder (its own server, reached as 127.0.0.1,
so just as cross-site), which keeps the headers Chromium really sends (Playwright only knows them for
navigations); then at the timer, which must stay as it was. The very same requests from a client without Fetch
Metadata (as curl or Companion send them) work.

The timer's server is the session's `timer_server` of tests/browser/conftest.py (its access log is where the
refusals show), each test on a timer of its own (`timer_name`); the attacker's server is this module's own.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import http_at, wait_until

from tornado_timer.server.openapi import TIMERS_PATH

ATTACK_PAGE = b"""<!doctype html>
<title>a page of another site</title>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="post" target="sink"></form>
<script>
function viaImage(base) {
  return new Promise((done) => {
    const image = new Image();
    image.onload = image.onerror = () => done("image");
    image.src = base + "/resume";
  });
}
function viaForm(base) {
  return new Promise((done) => {
    document.getElementById("sink").onload = () => done("form");
    const form = document.getElementById("form");
    form.action = base + "/adjust?delta=5m";
    form.submit();
  });
}
async function viaNoCorsFetch(base) {
  await fetch(base + "/reset", { method: "POST", mode: "no-cors", body: "{}" });
  return "fetch";
}
window.attack = async (base) => [await viaImage(base), await viaForm(base), await viaNoCorsFetch(base)];
</script>
"""
ATTACKS = ("GET /resume", "POST /adjust?delta=5m", "POST /reset")
API = TIMERS_PATH


class AttackServer:
    """Serves the attack page at `/`, and records every request under `/record` (method, path, headers)."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str, dict[str, str]]] = []
        recorded = self.recorded

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/record"):
                    return self.record()
                self.answer(200, "text/html; charset=utf-8", ATTACK_PAGE)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.record()

            def record(self) -> None:
                recorded.append((self.command, self.path[len("/record"):], {k.lower(): v for k, v in
                                                                          self.headers.items()}))
                self.answer(200, "text/plain", b"recorded")

            def answer(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def page_url(self) -> str:
        return f"http://evil.localhost:{self.port}/"

    @property
    def recorder_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/record"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def call(url: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    """A request as curl or a controller sends it: no Origin, no Fetch Metadata."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def target(timer_server: Any, timer_name: str) -> str:
    """A paused countdown (so each attack, if it got through, would change it), and its API URL."""
    base = http_at(timer_server, f"{API}/{timer_name}")
    for action in ("set?duration=10m", "start", "pause"):
        assert call(f"{base}/{action}", "POST")[0] == 200
    return base


@pytest.fixture
def attacker() -> Iterator[AttackServer]:
    server = AttackServer()
    yield server
    server.close()


def test_a_page_of_another_site_cannot_change_a_timer(page: Any, timer_server: Any, timer_name: str, target: str,
                                                     attacker: AttackServer) -> None:
    before = call(target)[1]["timer"]
    assert (before["status"], before["version"]) == ("paused", 3)
    page.goto(attacker.page_url)
    assert page.evaluate("location.hostname") == "evil.localhost"

    # What Chromium sends with each of the three: marked cross-site, the POSTs with the page's Origin.
    assert page.evaluate("(base) => attack(base)", attacker.recorder_url) == ["image", "form", "fetch"]
    recorded = {f"{method} {path}": headers for method, path, headers in attacker.recorded}
    assert set(recorded) == set(ATTACKS), list(recorded)
    for name, headers in recorded.items():
        assert headers.get("sec-fetch-site") == "cross-site", (name, headers)
        if name.startswith("POST"):
            assert headers.get("origin") == attacker.page_url.rstrip("/"), (name, headers)

    # The same three at the timer: refused (403 in the server's access log; on loopback with no token and Host
    # 127.0.0.1, only the cross-site rule answers 403), and the form's frame shows why.
    answers: list[Any] = []
    page.on("response", lambda response: answers.append(response) if response.url.startswith(target) else None)
    assert page.evaluate("(base) => attack(base)", target) == ["image", "form", "fetch"]
    path = f"{API}/{timer_name}"
    refused = [f"403 {name.split(' ', 1)[0]} {path}{name.split(' ', 1)[1]} " for name in ATTACKS]
    # The server writes each access-log line just after its answer: give the last one a moment to land.
    assert wait_until(lambda: all(line in timer_server.log_path.read_text() for line in refused), 5), (
        refused, timer_server.log_path.read_text()[-2000:])
    form_answer = next(a for a in answers if a.request.method == "POST" and "/adjust" in a.url)
    assert form_answer.status == 403
    assert "another site" in json.loads(form_answer.body())["error"]["message"]
    after = call(target)[1]["timer"]
    assert (after["status"], after["version"], after["adjusted_ms"]) == ("paused", 3, 0), "the timer changed"

    # The same requests from a client without Fetch Metadata (curl, Companion, a Stream Deck) are carried out.
    status, body = call(f"{target}/resume")
    assert (status, body["timer"]["status"]) == (200, "running")
    status, body = call(f"{target}/adjust?delta=5m", "POST")
    assert (status, body["timer"]["adjusted_ms"]) == (200, 300_000)
    status, body = call(f"{target}/reset", "POST")
    assert (status, body["timer"]["status"]) == (200, "idle")


def test_the_servers_own_page_may_use_the_api(page: Any, timer_server: Any, timer_name: str, target: str) -> None:
    """Same-origin requests (Sec-Fetch-Site: same-origin) pass: the rule refuses other sites, not browsers."""
    page.goto(timer_server.page_url())
    path = f"{API}/{timer_name}"
    answer = page.evaluate("(url) => fetch(url, {method: 'POST'}).then((r) => r.json())", path + "/resume")
    assert (answer["ok"], answer["timer"]["status"]) == (True, "running")
