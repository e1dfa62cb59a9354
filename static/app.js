// app.js: wires the pieces together. Messages from the server update `timer` and its message; the display is
// recomputed every animation frame from `timer` and the clock offset; buttons and keys send commands. The protocol's
// types are in protocol.js; the page's rules without a DOM in words.js, connectionwords.js, controls.js; each part of
// the screen has a file of its own (docs/page.md lists them).

(function (TornadoTimer) {
  "use strict";

  const { format, clock, address, protocol, words, connectionWords, controls } = TornadoTimer;
  const { connection: net, view, clockFace, buttons, countdownForm, share, stage, wakeLock, chime } = TornadoTimer;
  const messageBox = TornadoTimer.message; // the timer's message on the screen, and the box that changes it

  const SYNC_SAMPLES = 5; // ping/pongs right after connecting; the heartbeat adds one every few seconds
  // Tests (and the curious) may tune timings by defining window.TornadoTimerSettings before this runs.
  const settings = { ...globalThis.TornadoTimerSettings };

  const sync = new clock.ClockSync();
  const monotonic = new clock.Monotonic();
  /** @type {TimerState | null} the latest state's timer, kept current by ticks, with what its status allows */
  let timer = null;
  /** @type {TornadoTimerConnection | null} */
  let connection = null;
  /** @type {ConnectionStatus} */
  let link = { phase: "connecting", everOpened: false, retryAt: null, problem: null };
  let syncPingsLeft = 0;
  /** @type {string | null} set when the server speaks another protocol version */
  let protocolProblem = null;
  /** @type {Role | null} the server says which in each connection's first state */
  let role = null;
  /** @type {Role | null} the last role the server gave, kept while reconnecting (for the Share panel) */
  let knownRole = null;
  /** @type {SocketTarget | null} where to connect, from address.js; null when the page's URL is not valid */
  let target = null;
  /** @type {ShareLinks | null} what the Share panel offers, from address.js */
  let links = null;
  let degraded = false; // the server says it cannot apply commands now (its shared store is unreachable)
  let toldDegraded = false; // what the aria-live region last said about it, so each change is announced once
  /** @type {Refusal | null} why the first handshake failed, asked over HTTP (connection.probeHandshake) */
  let refusal = null;
  let probing = false;

  // ---- Messages from the server ------------------------------------------------------------------------

  /**
   * One message from the server: parsed JSON, trusted to follow the protocol once it is an object with a type.
   * @param {unknown} data
   * @param {number} receivedAt  clientNow() when it arrived
   */
  function onMessage(data, receivedAt) {
    if (typeof data !== "object" || data === null || !("type" in data)) return; // not a message at all
    const message = /** @type {ServerToPage} */ (data);
    if ("server_time" in message && typeof message.server_time === "number") {
      sync.noteServerTime(message.server_time, receivedAt);
    }
    switch (message.type) {
      case "state":
        onState(message);
        break;
      case "tick":
        onTick(message);
        break;
      case "message":
        onMessageChanged(message);
        break;
      case "pong":
        onPong(message, receivedAt);
        break;
      case "error":
        onServerError(message);
        break;
      case "server":
        onServer(message);
        break;
      default: // unknown types are ignored, as the protocol asks
    }
  }

  /**
   * A state replaces whatever was shown: it is the server's word, on connect and after every change. What the
   * buttons offer comes from its `allowed` alone (none from a server too old to send it).
   * @param {StateMessage} message
   */
  function onState(message) {
    protocolProblem = protocol.versionProblem(message.protocol);
    if (message.role) { // only the first state of a connection carries it
      role = knownRole = message.role;
      if (links) share.show(links, knownRole);
      settleDegradedAfterConnect();
    }
    const previous = timer;
    const allowed = Array.isArray(message.allowed) ? [...message.allowed] : [];
    timer = { ...message.timer, allowed };
    monotonic.restart();
    renderConnection();
    const clockText = renderClock(timer);
    announceChange(previous, timer, clockText);
    if (!message.role) chimeAtZero(previous, timer); // not for an end that happened while this page was away
    clockFace.showTimer(timer);
    messageBox.show(message.message);
    showBlackout();
    wakeLock.keepAwake(timer.status === "running");
    refreshControls();
    countdownForm.fillOnce(timer);
    animate();
  }

  /**
   * A tick restates where the running timer is; it keeps `started_at` in line with the server's clock.
   * @param {TickMessage} message
   */
  function onTick(message) {
    if (!timer || message.timer !== timer.name || timer.status !== "running") return;
    timer.elapsed_ms = message.elapsed_ms;
    timer.started_at = message.server_time - message.elapsed_ms;
    // A change of phase comes as a state at that moment; a tick only confirms it (or corrects a page that missed it).
    if (timer.mode === "countdown" && message.phase && message.phase !== protocol.phaseOf(timer)) {
      const previous = { ...timer };
      timer.phase = message.phase;
      clockFace.showTimer(timer);
      announceChange(previous, timer, renderClock(timer));
      chimeAtZero(previous, timer);
    }
    render();
  }

  /**
   * The timer's message changed, and nothing else did.
   * @param {MessageChanged} message
   */
  function onMessageChanged(message) {
    if (!timer || message.timer !== timer.name) return;
    messageBox.show(message.message);
    showBlackout();
  }

  /**
   * A blackout blacks out viewer screens (a presenter view, or a page the server made a viewer); a controller's page
   * is dimmed with a badge instead, so that its operator can still work.
   */
  function showBlackout() {
    stage.showBlackout(messageBox.current.blackout, stage.isStage || knownRole === "viewer");
  }

  /**
   * The chime (if sound is on here) when a countdown reaches zero while this page watches: it finishes, or, set with
   * overtime, goes into overtime.
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   */
  function chimeAtZero(previous, next) {
    if (protocol.reachedZero(previous, next)) chime.chime();
  }

  /**
   * @param {PongMessage} message
   * @param {number} receivedAt
   */
  function onPong(message, receivedAt) {
    sync.addSample(message.client_time, message.server_time, receivedAt);
    view.showSync(format.formatMs(sync.rtt), format.formatMs(sync.offset, { signed: true }));
    if (syncPingsLeft > 0 && connection) {
      syncPingsLeft -= 1;
      connection.ping(); // one at a time: pings sent together would queue behind each other
    }
  }

  /** @param {ErrorMessage} message */
  function onServerError(message) {
    view.toast(words.errorText(message));
  }

  /**
   * The server's health. While degraded it keeps ticking but refuses commands, so the buttons are disabled.
   * @param {ServerMessage} message
   */
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
    if (!connection) return;
    sync.reset();
    syncPingsLeft = SYNC_SAMPLES - 1;
    connection.ping();
  }

  // ---- The connection ----------------------------------------------------------------------------------

  /** @param {ConnectionStatus} status */
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
    // Only when a connection begins: the Connection also reports an unchanged status (the browser going offline).
    if (connected && !wasConnected && timer) view.announce("Reconnected.");
    refreshControls();
    renderConnection();
  }

  /** The indicator, the stale marking and the problem banner, from the connection's status. */
  function renderConnection() {
    view.showConnection(...connectionWords.indicator(link, role, clock.clientNow(), navigator.onLine !== false));
    view.showStale(link.phase !== "connected" && timer !== null);
    const watchOnly = stage.isStage; // a presenter view only watches anyway
    const facts = { status: link, target, refusal, role, watchOnly, versionProblem: protocolProblem };
    view.showProblem(connectionWords.problem(facts));
  }

  /** Ask the server over HTTP why the handshake failed (once at a time, only before the first connection). */
  async function diagnose() {
    if (probing || !target) return;
    probing = true;
    try {
      refusal = await net.probeHandshake(target.url, location.origin);
    } finally {
      probing = false;
    }
    if (link.phase === "connected") refusal = null;
    renderConnection();
  }

  // ---- Rendering ---------------------------------------------------------------------------------------

  /** Recompute what the display shows right now. Called every frame while running, and on every message. */
  function render() {
    renderConnection();
    if (timer) renderClock(timer);
  }

  /**
   * The digits and the title for `shown` (the timer the page holds) right now.
   * @param {TimerState} shown
   * @returns {string} the clock's text
   */
  function renderClock(shown) {
    const now = clock.clientNow();
    let elapsed = clock.elapsedAt(shown, now + sync.offset);
    if (shown.status === "running") elapsed = monotonic.next(elapsed);
    const text = format.clockText(shown, elapsed);
    clockFace.showClock(text, {
      elapsedMs: elapsed,
      remainingMs: shown.mode === "countdown" ? format.shownValue(shown, elapsed) : null,
      renderedAt: now,
    });
    view.setTitle(format.pageTitle(text, shown, link.phase !== "connected"));
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
    const offer = controls.offered(timer, link.phase === "connected" && role !== "viewer" && !degraded);
    buttons.show(offer);
    messageBox.setEnabled(offer.message);
  }

  /**
   * What changed, said to screen readers (status changes, adjustments, phases; never a tick).
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText
   */
  function announceChange(previous, next, clockText) {
    const said = words.timerChange(previous, next, clockText);
    if (said) view.announce(said);
  }

  // ---- Commands ----------------------------------------------------------------------------------------

  /** @param {PageToServer} message */
  function send(message) {
    if (!connection || !connection.send(message)) view.toast("Not connected: nothing was sent.");
  }

  function wireControls() {
    /** @param {HTMLButtonElement} button  −1 min or +1 min, which says how much in data-delta-ms */
    const adjust = (button) => send({ type: "adjust", delta_ms: Number(button.dataset.deltaMs) });
    buttons.wire({
      start: () => send({ type: "start" }),
      pause: () => send({ type: controls.pauseCommand(timer) }), // "Resume" on a paused timer
      reset: () => send({ type: "reset" }),
      stopwatch: () => send({ type: "set", mode: "stopwatch", initial_ms: 0 }),
      adjustMinus: adjust,
      adjustPlus: adjust,
    });
    countdownForm.wire(send);
    messageBox.init((update) => send({ type: "message", ...update }));
  }

  // ---- Start -------------------------------------------------------------------------------------------

  function main() {
    view.init();
    clockFace.init();
    buttons.init();
    countdownForm.init();
    stage.init(address.viewMode(location.href));
    wakeLock.init();
    chime.init();
    const found = address.socketAddress(location.href);
    share.init();
    if ("error" in found) {
      share.setAvailable(false);
      view.showProblem(found.error);
      view.showServer(null);
      view.showConnection("failed", "Not connected");
      buttons.show(controls.offered(null, false));
      view.setTitle("Not connected · tornado-timer");
      return;
    }
    target = found;
    view.showServer(target.shownUrl); // never the token
    clockFace.showName(target.timerName);
    links = address.shareLinks(location.href);
    if (links) share.show(links, knownRole);
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
      return timer && { ...timer, allowed: [...timer.allowed] };
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
    get message() {
      return messageBox.current;
    },
    /**
     * Handle `message` (an object) as if the server had sent it: nothing goes to the server. A seam for tests of
     * messages a real server is hard to bring about (a `server` message saying it is degraded), and for the console.
     * @param {unknown} message
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
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
