// session.js: this page's session with the server, as far as it is not the timer. The connection's status; the role
// the server gives each connection in its first state; whether the server says it is degraded; the protocol version
// it speaks; and, before the first connection, why a handshake failed (asked over HTTP). From these come the
// indicator and the problem banner (in words from connectionwords.js), and whether the page may command at all.

(function (TornadoTimer) {
  "use strict";

  const { clock, connection: net, connectionWords, protocol, stage, view } = TornadoTimer;

  /** @type {ConnectionStatus} */
  let status = { phase: "connecting", everOpened: false, retryAt: null, problem: null };
  /** @type {Role | null} the server says which in each connection's first state */
  let role = null;
  /** @type {Role | null} the last role the server gave, kept while reconnecting (for the Share panel, blackout) */
  let knownRole = null;
  let degraded = false; // the server says it cannot apply commands now (its shared store is unreachable)
  let toldDegraded = false; // what the aria-live region last said about it, so each change is announced once
  /** @type {string | null} set when the server speaks another protocol version */
  let versionProblem = null;
  /** @type {SocketTarget | null} where the page connects; null until init() (or for a page with a bad address) */
  let target = null;
  /** @type {Refusal | null} why the first handshake failed, asked over HTTP (connection.probeHandshake) */
  let refusal = null;
  let probing = false;

  /**
   * Where the page connects, for the problem banner and the probe.
   * @param {SocketTarget} to
   */
  function init(to) {
    target = to;
  }

  /**
   * Follow the Connection's new status. A new connection starts with no role (its first state gives one) and
   * undegraded (a degraded server says so right after that state). Returns whether this status begins a connection.
   * @param {ConnectionStatus} next
   * @returns {boolean}
   */
  function follow(next) {
    const wasConnected = status.phase === "connected";
    status = next;
    const connected = status.phase === "connected";
    if (connected && !wasConnected) {
      role = null;
      degraded = false;
      view.showDegraded(false, "");
    }
    // Why the handshake failed holds until the server really speaks: a proxy in front (Jupyter's) opens the
    // browser's socket before it tries the server's, so an open socket alone proves nothing.
    if (status.everOpened) refusal = null;
    // Before the first connection, ask why a handshake failed; once the server has said, it won't change its mind.
    if (!status.everOpened && status.phase === "waiting" && (!refusal || refusal.kind === "down")) diagnose();
    if (wasConnected && !connected && status.everOpened) view.announce("Connection lost. Reconnecting.");
    return connected && !wasConnected;
  }

  /**
   * What a state says about the session: the protocol version, and, in a connection's first state only, the role.
   * Returns whether it gave a role.
   * @param {StateMessage} message
   * @returns {boolean}
   */
  function noteState(message) {
    versionProblem = protocol.versionProblem(message.protocol);
    if (!message.role) return false;
    role = knownRole = message.role;
    settleDegradedAfterConnect();
    return true;
  }

  /**
   * The server's health. While degraded it keeps ticking but refuses commands (see mayCommand).
   * @param {ServerMessage} message
   */
  function onServer(message) {
    degraded = message.degraded === true;
    view.showDegraded(degraded, degraded && typeof message.message === "string" ? message.message : "");
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
   * A new connection starts undegraded, so the notice goes when the page reconnects. If it had been announced and
   * the new connection has not said so again shortly after its first state, say that it is over.
   */
  function settleDegradedAfterConnect() {
    setTimeout(() => {
      if (status.phase === "connected" && role !== null) announceDegraded();
    }, 500);
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
    if (status.everOpened) refusal = null;
    render();
  }

  /** The indicator and the problem banner, from all of the above. */
  function render() {
    view.showConnection(...connectionWords.indicator(status, role, clock.clientNow(), navigator.onLine !== false));
    const watchOnly = stage.isStage; // a presenter view only watches anyway
    view.showProblem(connectionWords.problem({ status, target, refusal, role, watchOnly, versionProblem }));
  }

  TornadoTimer.session = {
    init,
    follow,
    noteState,
    onServer,
    render,
    get status() {
      return { ...status };
    },
    get connected() {
      return status.phase === "connected";
    },
    get role() {
      return role;
    },
    get knownRole() {
      return knownRole;
    },
    get degraded() {
      return degraded;
    },
    /** Commands are possible only connected, as a controller, to a server that is not degraded. */
    get mayCommand() {
      return status.phase === "connected" && role !== "viewer" && !degraded;
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
