// connection.js: one WebSocket that stays connected. It reconnects with backoff after a drop, and replaces a
// socket that looks open but has died (a laptop that slept, a Wi-Fi that changed) thanks to a heartbeat.
// It knows nothing about timers: it delivers parsed messages and reports its status.

/**
 * What a Connection reports to its `onStatus` callback.
 * @typedef {object} ConnectionStatus
 * @property {"connecting" | "connected" | "waiting" | "failed"} phase  "connecting": a handshake is under way;
 *   "waiting": until retryAt; "failed": the browser refused the address, so retrying would not help
 * @property {boolean} everOpened  some socket of this page has opened and the server spoke on it (a proxy in front,
 *   such as Jupyter's, opens the browser's socket before it tries the server's, and drops it if that fails)
 * @property {number | null} retryAt  while waiting: when the next attempt starts (a clientNow() time)
 * @property {string | null} problem  why the last socket closed or failed, in words
 */

/**
 * Timings, in ms. The page takes them from window.TornadoTimerSettings where a test defines it.
 * @typedef {object} ConnectionSettings
 * @property {number} heartbeatMs  how often to ping an open socket
 * @property {number} deadlineMs  no message at all this long after a ping: the socket is dead
 * @property {number} connectTimeoutMs  a handshake still unanswered after this long is abandoned
 * @property {number} backoffBaseMs  the first wait before reconnecting (before jitter)
 * @property {number} backoffCapMs  the longest wait
 */

/**
 * Why a handshake failed, as probeHandshake found out.
 * @typedef {{ kind: "down" } | { kind: "answered" } | { kind: "refused", status: number, reason: string }} Refusal
 */

(function (TornadoTimer) {
  "use strict";

  const { clientNow } = TornadoTimer.clock;

  /**
   * How long to wait before reconnect attempt number `attempt` (0, 1, 2, ...): doubling each time up to a cap,
   * so a server that is down is not hammered; randomised ("equal jitter": between half and all of it), so a
   * room full of screens does not reconnect in lockstep when the server comes back.
   * @param {number} attempt
   * @param {{ baseMs?: number, capMs?: number, random?: () => number }} [options]
   * @returns {number}
   */
  function backoffDelay(attempt, { baseMs = 500, capMs = 15000, random = Math.random } = {}) {
    const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
    return ceiling / 2 + (random() * ceiling) / 2;
  }

  /** @type {Readonly<ConnectionSettings>} */
  const DEFAULT_SETTINGS = {
    heartbeatMs: 10000, // how often to ping an open socket
    deadlineMs: 5000, // no message at all this long after a ping: the socket is dead
    connectTimeoutMs: 8000, // a handshake still unanswered after this long is abandoned
    backoffBaseMs: 500,
    backoffCapMs: 15000,
  };

  /**
   * Why a socket closed, in words; the browser gives 1006 for anything it could not see (refused, lost).
   * @param {CloseEvent} event
   * @returns {string}
   */
  function describeClose(event) {
    if (event.reason) return event.reason;
    if (event.code === 1001) return "the server is shutting down";
    if (event.code === 1008) return "the server closed the connection (too many messages)";
    if (event.code === 1009) return "a message was too big";
    if (event.code === 1011) return "the server cannot reach its timer store";
    if (event.code === 1013) return "the server is full";
    return "the connection was lost";
  }

  /**
   * Reports a ConnectionStatus to `onStatus` on every change, and each message, parsed from JSON but not
   * otherwise checked, to `onMessage`.
   */
  class Connection {
    /**
     * @param {string} url
     * @param {{ onMessage: (message: unknown, receivedAt: number) => void,
     *           onStatus: (status: ConnectionStatus) => void }} callbacks
     * @param {Partial<ConnectionSettings>} [settings]
     */
    constructor(url, { onMessage, onStatus }, settings = {}) {
      this.url = url;
      this.onMessage = onMessage;
      this.onStatus = onStatus;
      /** @type {ConnectionSettings} */
      this.settings = { ...DEFAULT_SETTINGS, ...settings };
      /** @type {WebSocket | null} */
      this.socket = null;
      /** @type {ConnectionStatus["phase"]} */
      this.phase = "connecting";
      this.everOpened = false;
      this.attempt = 0;
      /** @type {number | null} */
      this.retryAt = null;
      /** @type {string | null} */
      this.problem = null;
      this.lastMessageAt = -Infinity;
      /** @type {Set<number>} every pending setTimeout/setInterval of the current socket */
      this.timers = new Set();
    }

    start() {
      // Coming back to the tab, or the network coming back, is the moment to try again: don't make the user
      // wait out a long backoff, and check at once that a socket that survived a sleep still works.
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.retryNow();
      });
      window.addEventListener("online", () => this.retryNow());
      window.addEventListener("offline", () => this.report());
      this.open();
    }

    /**
     * Send a message (an object) if the socket is open. Returns whether it was sent.
     * @param {object} message
     * @returns {boolean}
     */
    send(message) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(JSON.stringify(message));
      return true;
    }

    /**
     * A protocol ping; the pong echoes client_time, which is what the clock sync needs.
     * @returns {boolean} whether it was sent
     */
    ping() {
      return this.send({ type: "ping", client_time: clientNow() });
    }

    /** Skip the backoff wait (or, when connected, check that the socket is alive). */
    retryNow() {
      if (this.phase === "waiting") {
        this.attempt = 0;
        this.open();
      } else if (this.phase === "connected") {
        this.heartbeat();
      }
    }

    report() {
      const { phase, everOpened, retryAt, problem } = this;
      this.onStatus({ phase, everOpened, retryAt, problem });
    }

    /** @param {ConnectionStatus["phase"]} phase */
    setPhase(phase) {
      this.phase = phase;
      this.report();
    }

    /**
     * Run `fn` in `ms`, unless the timers are cleared first.
     * @param {() => void} fn
     * @param {number} ms
     */
    later(fn, ms) {
      const id = setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, ms);
      this.timers.add(id);
    }

    clearTimers() {
      for (const id of this.timers) clearTimeout(id); // clearTimeout also clears setInterval ids
      this.timers.clear();
    }

    open() {
      this.clearTimers();
      this.retryAt = null;
      let socket;
      try {
        socket = new WebSocket(this.url);
      } catch (error) {
        // A malformed URL, or ws:// from an https page: a permanent problem, so no retry loop.
        this.problem = `the browser refused the address: ${error instanceof Error ? error.message : error}`;
        this.setPhase("failed");
        return;
      }
      this.socket = socket;
      socket.onopen = () => this.opened(socket);
      socket.onmessage = (event) => this.received(socket, event);
      socket.onclose = (event) => this.drop(socket, describeClose(event));
      // onerror carries no detail and is always followed by onclose, which does the work.
      this.later(() => {
        if (socket.readyState === WebSocket.CONNECTING) this.drop(socket, "the server did not answer");
      }, this.settings.connectTimeoutMs);
      this.setPhase("connecting");
    }

    /** @param {WebSocket} socket */
    opened(socket) {
      if (socket !== this.socket) return;
      this.clearTimers(); // the connect timeout
      this.problem = null;
      const id = setInterval(() => this.heartbeat(), this.settings.heartbeatMs);
      this.timers.add(id);
      this.setPhase("connected");
    }

    /**
     * @param {WebSocket} socket
     * @param {MessageEvent} event
     */
    received(socket, event) {
      if (socket !== this.socket) return;
      const receivedAt = clientNow();
      this.lastMessageAt = receivedAt;
      this.attempt = 0; // reset only once the server really talks, not on a handshake that then drops
      if (!this.everOpened) {
        this.everOpened = true;
        this.report();
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.warn("tornado-timer: ignoring a message that is not JSON", event.data);
        return;
      }
      this.onMessage(message, receivedAt);
    }

    /** Ping, and give up on this socket if nothing at all comes back before the deadline. */
    heartbeat() {
      const socket = this.socket;
      const sentAt = clientNow();
      if (!socket || !this.ping()) return;
      this.later(() => {
        if (socket === this.socket && this.lastMessageAt < sentAt) this.drop(socket, "the server stopped answering");
      }, this.settings.deadlineMs);
    }

    /**
     * Forget `socket` (closing it if needed) and schedule the next attempt.
     * @param {WebSocket} socket
     * @param {string} reason
     */
    drop(socket, reason) {
      if (socket !== this.socket) return; // an old socket's late event
      this.clearTimers();
      socket.onopen = socket.onmessage = socket.onclose = null;
      // A dead socket may take minutes to finish closing; we don't wait for it.
      if (socket.readyState !== WebSocket.CLOSED) socket.close();
      this.socket = null;
      this.problem = reason;
      const delay = backoffDelay(this.attempt, {
        baseMs: this.settings.backoffBaseMs,
        capMs: this.settings.backoffCapMs,
      });
      this.attempt += 1;
      this.retryAt = clientNow() + delay;
      this.later(() => this.open(), delay);
      this.setPhase("waiting");
    }
  }

  /**
   * Why a handshake failed, asked over plain HTTP: the browser reports every refused handshake as code 1006,
   * whether the server is down, full, or refused the token. A GET of the socket's own URL (no Upgrade header,
   * so it never opens a socket or creates a timer) is answered with the same refusal the handshake got: 403
   * for a wrong token, 503 when full, else 400 ("can only upgrade to WebSocket"). Resolves to
   *   { kind: "down" }                        nothing answered;
   *   { kind: "refused", status, reason }     the server's answer, when the page may read it (same origin);
   *   { kind: "answered" }                    the server answered a page of another origin (a page from disk),
   *                                           which may not read why.
   * @param {string} socketUrl
   * @param {string} pageOrigin  location.origin ("null" for a page from disk)
   * @param {number} [timeoutMs]
   * @returns {Promise<Refusal>}
   */
  async function probeHandshake(socketUrl, pageOrigin, timeoutMs = 5000) {
    const url = socketUrl.replace(/^ws/, "http");
    const sameOrigin = new URL(url).origin === pageOrigin;
    try {
      const response = await fetch(url, {
        mode: sameOrigin ? "same-origin" : "no-cors",
        cache: "no-store",
        // Same origin: the cookies a proxy in front may require (Jupyter's login), as the handshake sends them.
        credentials: sameOrigin ? "same-origin" : "omit",
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.type === "opaque") return { kind: "answered" };
      const reason = (await response.text()).trim().slice(0, 200);
      return { kind: "refused", status: response.status, reason };
    } catch {
      return { kind: "down" };
    }
  }

  TornadoTimer.connection = { Connection, backoffDelay, probeHandshake, DEFAULT_SETTINGS };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
