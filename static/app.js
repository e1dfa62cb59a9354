// app.js: wires the pieces together. Messages from the server update `timer`; the display is recomputed
// every animation frame from `timer` and the clock offset; buttons and keys send commands.
(function (TornadoTimer) {
  "use strict";

  const { format, clock, address, connection: net, view, share } = TornadoTimer;

  const PROTOCOL = 1;
  const SYNC_SAMPLES = 5; // ping/pongs right after connecting; the heartbeat adds one every few seconds
  // Tests (and the curious) may tune timings by defining window.TornadoTimerSettings before this runs.
  const settings = { ...globalThis.TornadoTimerSettings };

  const sync = new clock.ClockSync();
  const monotonic = new clock.Monotonic();
  let timer = null; // the latest snapshot from the server, kept current by ticks
  let connection = null;
  let link = { phase: "connecting", everOpened: false, retryAt: null, problem: null };
  let syncPingsLeft = 0;
  let countdownInputsFilled = false;
  let protocolProblem = null; // set when the server speaks another protocol version
  let role = null; // "controller" or "viewer": the server says so in each connection's first state
  let knownRole = null; // the last role the server gave, kept while reconnecting (for the Share panel)
  let target = null; // { url, shownUrl, timerName, hasToken, ... } from address.js
  let links = null; // { view, control, loopback } from address.js: what the Share panel offers
  let degraded = false; // the server says it cannot apply commands now (its shared store is unreachable)
  let toldDegraded = false; // what the aria-live region last said about it, so each change is announced once
  let refusal = null; // why the first handshake failed, asked over HTTP (connection.probeHandshake)
  let probing = false;

  // ---- Messages from the server ------------------------------------------------------------------------

  const handlers = { state: onState, tick: onTick, pong: onPong, error: onServerError, server: onServer };

  function onMessage(message, receivedAt) {
    if (typeof message.server_time === "number") sync.noteServerTime(message.server_time, receivedAt);
    const handle = handlers[message.type];
    if (handle) handle(message, receivedAt); // unknown types are ignored, as the protocol asks
  }

  /** A state replaces whatever was shown: it is the server's word, on connect and after every change. */
  function onState(message) {
    protocolProblem = message.protocol === PROTOCOL ? null :
      `The server speaks protocol ${message.protocol}; this page knows ${PROTOCOL}. Reload the page from the server.`;
    if (message.role) { // only the first state of a connection carries it
      role = knownRole = message.role;
      share.show(links, knownRole);
      settleDegradedAfterConnect();
    }
    const previous = timer;
    timer = { ...message.timer };
    monotonic.restart();
    const clockText = render();
    announceChange(previous, timer, clockText);
    view.showTimer(timer);
    refreshControls();
    fillCountdownInputsOnce(timer);
    animate();
  }

  /** A tick restates where the running timer is; it keeps `started_at` in line with the server's clock. */
  function onTick(message) {
    if (!timer || message.timer !== timer.name || timer.status !== "running") return;
    timer.elapsed_ms = message.elapsed_ms;
    timer.started_at = message.server_time - message.elapsed_ms;
    render();
  }

  function onPong(message, receivedAt) {
    sync.addSample(message.client_time, message.server_time, receivedAt);
    view.showSync(format.formatMs(sync.rtt), format.formatMs(sync.offset, { signed: true }));
    if (syncPingsLeft > 0) {
      syncPingsLeft -= 1;
      connection.ping(); // one at a time: pings sent together would queue behind each other
    }
  }

  /** Errors the user can do something about, in words; any other is the server's own sentence. */
  const ERROR_WORDS = {
    forbidden: "View only: this page may not control the timer. Open the control link (with ?token=) to do that.",
    rate_limited: "Too many commands at once: the server ignored some. Wait a moment, then try again.",
    unavailable: "Not done: the server cannot reach its shared timer store right now. Try again once it is back.",
  };

  function onServerError(message) {
    view.toast(ERROR_WORDS[message.code] ?? `The server said: ${message.message}`);
  }

  /** The server's health. While degraded it keeps ticking but refuses commands, so the buttons are disabled. */
  function onServer(message) {
    degraded = message.degraded === true;
    view.showDegraded(degraded, degraded && typeof message.message === "string" ? message.message : "");
    refreshControls();
    announceDegraded();
  }

  function announceDegraded() {
    if (degraded === toldDegraded) return;
    toldDegraded = degraded;
    view.announce(
      degraded
        ? "Server degraded: commands are paused. The timer keeps running."
        : "Server back to normal: commands work again.",
    );
  }

  /**
   * A new connection starts undegraded (a server that is degraded says so right after its first state), so the
   * notice goes when the page reconnects. If it had been announced and the new connection has not said so again
   * shortly after its first state, say that it is over.
   */
  function settleDegradedAfterConnect() {
    setTimeout(() => {
      if (link.phase === "connected" && role !== null) announceDegraded();
    }, 500);
  }

  /** Start a fresh burst of clock samples (after connecting, or when the tab wakes up). */
  function resyncClock() {
    sync.reset();
    syncPingsLeft = SYNC_SAMPLES - 1;
    connection.ping();
  }

  // ---- The connection ----------------------------------------------------------------------------------

  function onConnectionStatus(status) {
    const wasConnected = link.phase === "connected";
    link = status;
    const connected = link.phase === "connected";
    if (connected && !wasConnected) {
      role = null; // a new connection: its first state says what it may do
      degraded = false; // and its server says if it is degraded
      view.showDegraded(false, "");
      refusal = null;
      resyncClock();
    }
    // Before the first connection, ask why a handshake failed; once the server has said, it won't change its mind.
    if (!link.everOpened && link.phase === "waiting" && (!refusal || refusal.kind === "down")) diagnose();
    if (wasConnected && !connected) view.announce("Connection lost. Reconnecting.");
    if (connected && status.everOpened && timer) view.announce("Reconnected.");
    refreshControls();
    renderConnection();
  }

  /** The indicator, the stale marking and the problem banner, from the connection's status. */
  function renderConnection() {
    view.showConnection(...connectionIndicator());
    view.showStale(link.phase !== "connected" && timer !== null);
    view.showProblem(currentProblem());
  }

  /** [kind, words] for the indicator; kind is what CSS and tests look at. */
  function connectionIndicator() {
    const { phase, everOpened, retryAt } = link;
    if (phase === "connected") return ["connected", role === "viewer" ? "Connected · view only" : "Connected"];
    if (phase === "failed") return ["failed", "Not connected"];
    if (phase === "connecting") return everOpened ? ["reconnecting", "Reconnecting…"] : ["connecting", "Connecting…"];
    const seconds = Math.max(1, Math.ceil((retryAt - clock.clientNow()) / 1000)); // waiting for the next attempt
    if (navigator.onLine === false) return ["offline", `Offline · retrying in ${seconds} s`];
    return ["reconnecting", `Reconnecting in ${seconds} s`];
  }

  /** The sentence for the problem banner, or null. After a drop the indicator and stale note say enough. */
  function currentProblem() {
    if (link.phase === "failed") return `Cannot connect: ${link.problem}.`;
    if (!link.everOpened && link.problem && link.phase !== "connected") { // kept during each new attempt
      const explained = refusalProblem();
      if (explained) return explained;
      // Until the probe answers, the browser can't tell a server that is down from one that refused the handshake.
      const refused = target.hasToken ? " (or it refused this page's token)" : "";
      return `Cannot reach the timer server at ${target.shownUrl}${refused}. Is it running? ` +
        "Start it with: python -m tornado_timer";
    }
    if (role === "viewer" && link.phase === "connected") {
      return "View only: this server requires its control link (with ?token=) to start, pause or set timers.";
    }
    return protocolProblem;
  }

  /** Ask the server over HTTP why the handshake failed (once at a time, only before the first connection). */
  async function diagnose() {
    if (probing) return;
    probing = true;
    try {
      refusal = await net.probeHandshake(target.url, location.origin);
    } finally {
      probing = false;
    }
    if (link.phase === "connected") refusal = null;
    renderConnection();
  }

  /** The problem in words once the probe has said why the handshake failed; null for "nothing answered". */
  function refusalProblem() {
    if (!refusal || refusal.kind === "down") return null;
    const at = `The timer server at ${target.shownUrl}`;
    const fresh = "Ask for a new control link, or remove ?token= from the address to watch.";
    if (refusal.kind === "answered") { // a page of another origin may not read the answer
      return target.hasToken
        ? `${at} is running but refused the connection: most likely this page's control token is wrong. ${fresh}`
        : `${at} is running but refused the connection: it may be full, or not accept pages from this address.`;
    }
    const reason = refusal.reason ? ` (${refusal.reason.replace(/\.$/, "")})` : "";
    if (refusal.status === 403 && target.hasToken) {
      return `${at} refused this page's control token${reason}. ${fresh}`;
    }
    if (refusal.status === 503) return `${at} is full${reason}. The page keeps trying.`;
    return `${at} answered but refused the connection (HTTP ${refusal.status}). The page keeps trying.`;
  }

  // ---- Rendering ---------------------------------------------------------------------------------------

  /**
   * Recompute what the display shows right now, and return its text. Called every frame while running, and
   * on every message.
   */
  function render() {
    renderConnection();
    if (!timer) return null;
    const now = clock.clientNow();
    let elapsed = clock.elapsedAt(timer, now + sync.offset);
    if (timer.status === "running") elapsed = monotonic.next(elapsed);
    const shown = format.shownValue(timer, elapsed);
    const text = format.formatClock(shown, format.clockOptions(timer));
    view.showClock(text, {
      elapsedMs: elapsed,
      remainingMs: timer.mode === "countdown" ? shown : null,
      renderedAt: now,
    });
    view.setTitle(format.pageTitle(text, timer, link.phase !== "connected"));
    return text;
  }

  let framePending = false;
  /** Redraw on every animation frame while the timer runs; stop asking for frames once it doesn't. */
  function animate() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      render();
      if (timer && timer.status === "running") animate();
    });
  }

  /** Commands are possible only connected, as a controller, to a server that is not degraded. */
  function refreshControls() {
    view.showControls(timer, link.phase === "connected" && role !== "viewer" && !degraded);
  }

  /** What changed, in a sentence for the aria-live region (status changes only). */
  function announceChange(previous, next, clockText) {
    const sameStatus = previous && previous.status === next.status;
    const sameSetting = previous && previous.mode === next.mode && previous.duration_ms === next.duration_ms;
    if (sameStatus && sameSetting) return;
    const sentences = {
      idle: `Ready: ${next.mode} at ${clockText}.`,
      running: "Running.",
      paused: `Paused at ${clockText}.`,
      finished: "Finished: time is up.",
    };
    const prefix = previous ? "" : `Timer ${next.name}. `;
    view.announce(prefix + (sentences[next.status] ?? next.status));
  }

  function fillCountdownInputsOnce(snapshot) {
    if (countdownInputsFilled || snapshot.mode !== "countdown") return;
    countdownInputsFilled = true;
    view.setCountdownInputs(Math.round(snapshot.duration_ms / 1000));
  }

  // ---- Commands ----------------------------------------------------------------------------------------

  function send(message) {
    if (!connection || !connection.send(message)) view.toast("Not connected: nothing was sent.");
  }

  function toggleRun() {
    send({ type: timer.status === "running" ? "pause" : "resume" });
  }

  /** Read the minutes and seconds inputs; the server checks the upper limit and says so if it's too long. */
  function submitCountdown(event) {
    event.preventDefault();
    const minutes = Number(document.getElementById("minutes").value || 0);
    const seconds = Number(document.getElementById("seconds").value || 0);
    const whole = (n) => Number.isInteger(n) && n >= 0;
    if (!whole(minutes) || !whole(seconds) || seconds > 59) {
      view.toast("Minutes and seconds must be whole numbers, and seconds at most 59.");
      return;
    }
    const durationMs = (minutes * 60 + seconds) * 1000;
    if (durationMs === 0) {
      view.toast("A countdown needs a length above zero.");
      return;
    }
    send({ type: "set", mode: "countdown", duration_ms: durationMs });
  }

  /** True when keys typed at `node` are text for it, not shortcuts for us. */
  function isTyping(node) {
    return node instanceof Element && Boolean(node.closest("input, textarea, select, [contenteditable]"));
  }

  /** Space on a focused button already presses that button; a shortcut on top would act twice. */
  function spaceHasNativeAction(node) {
    return node instanceof Element && Boolean(node.closest("button, a[href], summary"));
  }

  /** Space: start, pause or resume. R: reset. Both just press the matching button, if it is enabled. */
  function onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return;
    const byId = (id) => document.getElementById(id);
    if (event.key === " ") {
      if (spaceHasNativeAction(event.target)) return;
      event.preventDefault(); // don't scroll the page
      const start = byId("start");
      (start.disabled ? byId("pause") : start).click();
    } else if (event.key === "r" || event.key === "R") {
      byId("reset").click();
    }
  }

  function wireControls() {
    const on = (id, type, fn) => document.getElementById(id).addEventListener(type, fn);
    on("start", "click", () => send({ type: "start" }));
    on("pause", "click", toggleRun);
    on("reset", "click", () => send({ type: "reset" }));
    on("set-countdown", "submit", submitCountdown);
    on("stopwatch", "click", () => send({ type: "set", mode: "stopwatch", initial_ms: 0 }));
    document.addEventListener("keydown", onKeyDown);
  }

  // ---- Start -------------------------------------------------------------------------------------------

  function main() {
    view.init();
    target = address.socketAddress(location.href);
    share.init();
    if (target.error) {
      share.setAvailable(false);
      view.showProblem(target.error);
      view.showServer(null);
      view.showConnection("failed", "Not connected");
      view.showControls(null, false);
      view.setTitle("Not connected · tornado-timer");
      return;
    }
    view.showServer(target.shownUrl); // never the token
    view.showName(target.timerName);
    links = address.shareLinks(location.href);
    share.show(links, knownRole);
    wireControls();
    refreshControls();
    connection = new net.Connection(target.url, { onMessage, onStatus: onConnectionStatus }, settings);
    connection.start();
    // When the tab wakes up its clock may have jumped relative to the server's: measure again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && link.phase === "connected") resyncClock();
      animate();
    });
    // Animation frames stop in background tabs; this keeps document.title and the indicator current there.
    setInterval(render, 250);
  }

  // For tests and the browser console: read-only views of what the page knows.
  TornadoTimer.app = {
    get socketUrl() {
      return target && target.url;
    },
    get timer() {
      return timer && { ...timer };
    },
    get link() {
      return { ...link };
    },
    get role() {
      return role;
    },
    get degraded() {
      return degraded;
    },
    /**
     * Handle `message` (an object) as if the server had sent it: nothing goes to the server. A seam for tests of
     * messages a real server is hard to bring about (a `server` message saying it is degraded), and for the console.
     */
    handleMessage(message) {
      onMessage(message, clock.clientNow());
    },
    get clock() {
      return { offset: sync.offset, rtt: sync.rtt, samples: sync.samples.length };
    },
    send,
  };

  main();
})((globalThis.TornadoTimer ??= {}));
