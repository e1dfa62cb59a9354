// app.js: wires the pieces together. Messages from the server update `timer` and its message; the display is
// recomputed every animation frame from `timer` and the clock offset; buttons and keys send commands.

// ---- The protocol, as this page reads it (docs/protocol.md, version 1) ------------------------------------

/** @typedef {"idle" | "running" | "paused" | "finished"} TimerStatus */
/** @typedef {"start" | "pause" | "resume" | "reset" | "set" | "adjust" | "message"} Command */
/** @typedef {"controller" | "viewer"} Role */

/**
 * How close a countdown is to its end, from its remaining time: "warning" (at most warning_ms left), "danger" (at
 * most danger_ms), "overtime" (past zero, a countdown set with overtime). A stopwatch is always "normal".
 * @typedef {"normal" | "warning" | "danger" | "overtime"} Phase
 */

/**
 * The timer's message, shown on every screen of it: plain `text` (never markup), shown while `visible`; `blink`
 * flashes it; `blackout` blacks out the viewers' screens altogether (the time and the message).
 * @typedef {object} TimerMessage
 * @property {string} text
 * @property {boolean} visible
 * @property {boolean} blink
 * @property {boolean} blackout
 */

/**
 * What every snapshot carries, whatever its mode.
 * @typedef {object} SnapshotBase
 * @property {string} name
 * @property {TimerStatus} status
 * @property {number} elapsed_ms  how far it has run (a stopwatch's includes its initial_ms)
 * @property {number} interval_ms  the tick interval
 * @property {number} initial_ms
 * @property {number} version  grows with every change of the timer
 * @property {number} [started_at]  only while running: the server's clock when elapsed_ms was 0
 */

/**
 * What a countdown's snapshot adds. Servers from before these fields existed send none of them: absent, a countdown
 * has no overtime, no thresholds, no adjustment, and is in the "normal" phase.
 * @typedef {object} CountdownFields
 * @property {"countdown"} mode
 * @property {number} duration_ms  its length as set
 * @property {number} remaining_ms  duration_ms + adjusted_ms - elapsed_ms; below zero only in overtime
 * @property {number} [ends_at]  only while running: when it reaches zero (started_at + duration_ms + adjusted_ms)
 * @property {boolean} [overtime]  it runs on past zero (counting up, shown with a plus) instead of finishing
 * @property {number | null} [warning_ms]  the warning phase begins with this much left
 * @property {number | null} [danger_ms]  the danger phase begins with this much left (below warning_ms)
 * @property {number} [adjusted_ms]  the adjustments since it last started from the beginning: its end moved by this
 * @property {Phase} [phase]
 */

/**
 * What a stopwatch's snapshot adds: its adjustments are already in its elapsed time.
 * @typedef {object} StopwatchFields
 * @property {"stopwatch"} mode
 * @property {null} duration_ms
 * @property {null} remaining_ms
 * @property {false} [overtime]
 * @property {number} [adjusted_ms]  how far its elapsed time was moved
 * @property {"normal"} [phase]
 */

/**
 * A timer as the server describes it (a state's `timer`).
 * @typedef {SnapshotBase & CountdownFields | SnapshotBase & StopwatchFields} Snapshot
 */

/**
 * The server's word on the timer: the first message of every connection, then one after every change.
 * @typedef {object} StateMessage
 * @property {"state"} type
 * @property {number} protocol
 * @property {Snapshot} timer
 * @property {Command[]} [allowed]  the commands the timer's status allows; older servers send none
 * @property {TimerMessage} [message]  the timer's message; older servers send none
 * @property {number} server_time
 * @property {Role} [role]  only in a connection's first state
 */

/**
 * Where a running timer is, every interval.
 * @typedef {object} TickMessage
 * @property {"tick"} type
 * @property {string} timer  its name
 * @property {number} seq
 * @property {number} elapsed_ms
 * @property {number | null} remaining_ms
 * @property {TimerStatus} status
 * @property {Phase} [phase]
 * @property {number} server_time
 */

/**
 * The timer's message changed (and nothing else did): to every client of the timer.
 * @typedef {{ type: "message", timer: string, message: TimerMessage, server_time: number }} MessageChanged
 */

/**
 * The answer to this page's ping.
 * @typedef {{ type: "pong", client_time: number, server_time: number }} PongMessage
 */

/**
 * A message of this page's the server refused (nothing changed).
 * @typedef {{ type: "error", code: string, message: string }} ErrorMessage
 */

/**
 * The server's health: while degraded it keeps ticking but refuses commands.
 * @typedef {{ type: "server", degraded: boolean, message?: string }} ServerMessage
 */

/** @typedef {StateMessage | TickMessage | MessageChanged | PongMessage | ErrorMessage | ServerMessage} ServerToPage */

/**
 * A new countdown, as `set` asks for it: its length, and optionally overtime and its phases' thresholds.
 * @typedef {object} SetCountdown
 * @property {"set"} type
 * @property {"countdown"} mode
 * @property {number} duration_ms
 * @property {number} [interval_ms]
 * @property {boolean} [overtime]  run on past zero instead of finishing
 * @property {number | null} [warning_ms]  the warning phase begins with this much left (null: none)
 * @property {number | null} [danger_ms]  the danger phase begins with this much left (below warning_ms)
 */

/**
 * What this page sends: a command, or a ping for the clock sync.
 * @typedef {{ type: "start" | "pause" | "resume" | "reset" }
 *   | SetCountdown
 *   | { type: "set", mode: "stopwatch", initial_ms: number, interval_ms?: number }
 *   | { type: "adjust", delta_ms: number }
 *   | { type: "message" } & MessageUpdate
 *   | { type: "ping", client_time: number }} PageToServer
 */

/**
 * The timer as this page holds it: the last state's snapshot, kept current by ticks, with that state's `allowed`
 * (which ticks don't change).
 * @typedef {Snapshot & { allowed: Command[] }} TimerState
 */

(function (TornadoTimer) {
  "use strict";

  const { format, clock, address, connection: net, view, share, stage, wakeLock, chime } = TornadoTimer;
  const messageBox = TornadoTimer.message; // the timer's message on the screen, and the box that changes it

  const PROTOCOL = 1;
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
  let countdownInputsFilled = false;
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
    protocolProblem = message.protocol === PROTOCOL ? null :
      `The server speaks protocol ${message.protocol}; this page knows ${PROTOCOL}. Reload the page from the server.`;
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
    view.showTimer(timer);
    messageBox.show(message.message);
    showBlackout();
    wakeLock.keepAwake(timer.status === "running");
    refreshControls();
    fillCountdownInputsOnce(timer);
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
    if (timer.mode === "countdown" && message.phase && message.phase !== view.phaseOf(timer)) {
      const previous = { ...timer };
      timer.phase = message.phase;
      view.showTimer(timer);
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
    if (!previous || previous.name !== next.name || next.mode !== "countdown") return;
    const finished = previous.status === "running" && next.status === "finished";
    const overtime = view.phaseOf(previous) !== "overtime" && view.phaseOf(next) === "overtime";
    if (finished || (overtime && next.status === "running")) chime.chime();
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

  /**
   * Errors the user can do something about, in words; any other is the server's own sentence.
   * @type {Partial<Record<string, string>>}
   */
  const ERROR_WORDS = {
    forbidden: "View only: this page may not control the timer. Open the control link (with ?token=) to do that.",
    rate_limited: "Too many commands at once: the server ignored some. Wait a moment, then try again.",
    unavailable: "Not done: the server cannot reach its shared timer store right now. Try again once it is back.",
  };

  /** @param {ErrorMessage} message */
  function onServerError(message) {
    view.toast(ERROR_WORDS[message.code] ?? `The server said: ${message.message}`);
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
    view.showConnection(...connectionIndicator());
    view.showStale(link.phase !== "connected" && timer !== null);
    view.showProblem(currentProblem());
  }

  /**
   * [kind, words] for the indicator; kind is what CSS and tests look at.
   * @returns {[Parameters<TornadoTimerView["showConnection"]>[0], string]}
   */
  function connectionIndicator() {
    const { phase, everOpened, retryAt } = link;
    if (phase === "connected") return ["connected", role === "viewer" ? "Connected · view only" : "Connected"];
    if (phase === "failed") return ["failed", "Not connected"];
    if (phase === "connecting") return everOpened ? ["reconnecting", "Reconnecting…"] : ["connecting", "Connecting…"];
    const now = clock.clientNow(); // waiting for the next attempt
    const seconds = Math.max(1, Math.ceil(((retryAt ?? now) - now) / 1000));
    if (navigator.onLine === false) return ["offline", `Offline · retrying in ${seconds} s`];
    return ["reconnecting", `Reconnecting in ${seconds} s`];
  }

  /**
   * The sentence for the problem banner, or null. After a drop the indicator and stale note say enough.
   * @returns {string | null}
   */
  function currentProblem() {
    if (link.phase === "failed") return `Cannot connect: ${link.problem}.`;
    if (target && !link.everOpened && link.problem && link.phase !== "connected") { // kept during each new attempt
      const explained = refusalProblem(target);
      if (explained) return explained;
      // Until the probe answers, the browser can't tell a server that is down from one that refused the handshake.
      const refused = target.hasToken ? " (or it refused this page's token)" : "";
      return `Cannot reach the timer server at ${target.shownUrl}${refused}. Is it running? ` +
        "Start it with: python -m tornado_timer";
    }
    if (role === "viewer" && link.phase === "connected" && !stage.isStage) { // a presenter view only watches anyway
      return "View only: this server requires its control link (with ?token=) to start, pause or set timers.";
    }
    return protocolProblem;
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

  /**
   * The problem in words once the probe has said why the handshake failed; null for "nothing answered".
   * @param {SocketTarget} to
   * @returns {string | null}
   */
  function refusalProblem(to) {
    if (!refusal || refusal.kind === "down") return null;
    const at = `The timer server at ${to.shownUrl}`;
    const fresh = "Ask for a new control link, or remove ?token= from the address to watch.";
    if (refusal.kind === "answered") { // a page of another origin may not read the answer
      return to.hasToken
        ? `${at} is running but refused the connection: most likely this page's control token is wrong. ${fresh}`
        : `${at} is running but refused the connection: it may be full, or not accept pages from this address.`;
    }
    const reason = refusal.reason ? ` (${refusal.reason.replace(/\.$/, "")})` : "";
    if (refusal.status === 403 && to.hasToken) {
      return `${at} refused this page's control token${reason}. ${fresh}`;
    }
    if (refusal.status === 503) return `${at} is full${reason}. The page keeps trying.`;
    return `${at} answered but refused the connection (HTTP ${refusal.status}). The page keeps trying.`;
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
    view.showClock(text, {
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
    const connected = link.phase === "connected" && role !== "viewer" && !degraded;
    view.showControls(timer, connected);
    messageBox.setEnabled(connected && timer !== null && timer.allowed.includes("message"));
  }

  /**
   * What changed, in a sentence for the aria-live region (status changes only).
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText
   */
  function announceChange(previous, next, clockText) {
    const sameStatus = previous && previous.status === next.status;
    const sameSetting = previous && previous.mode === next.mode && previous.duration_ms === next.duration_ms;
    /** @type {Partial<Record<string, string>>} */
    const sentences = {
      idle: `Ready: ${next.mode} at ${clockText}.`,
      running: "Running.",
      paused: `Paused at ${clockText}.`,
      finished: "Finished: time is up.",
    };
    const said = [
      sameStatus && sameSetting ? "" : sentences[next.status] ?? next.status,
      adjustmentSentence(previous, next, clockText),
      phaseSentence(previous, next, clockText),
    ].filter(Boolean);
    if (!said.length) return;
    const prefix = previous ? "" : `Timer ${next.name}. `;
    view.announce(prefix + said.join(" "));
  }

  /**
   * What an adjustment did, for the aria-live region ("Time adjusted by +1:00: 02:00 left."); "" for none.
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText
   */
  function adjustmentSentence(previous, next, clockText) {
    // Only within a run: starting from the beginning, reset and set clear adjusted_ms without adjusting anything.
    const underWay = (/** @type {Snapshot} */ snapshot) => snapshot.status === "running" || snapshot.status === "paused";
    if (!previous || previous.name !== next.name || !underWay(previous) || !underWay(next)) return "";
    const by = format.formatAdjustment((next.adjusted_ms ?? 0) - (previous.adjusted_ms ?? 0));
    if (!by) return "";
    return `Time adjusted by ${by}: ${clockText}${next.mode === "countdown" ? " left" : ""}.`;
  }

  /**
   * A change of phase, for the aria-live region; "" for none (a finished countdown is said by its status).
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText
   */
  function phaseSentence(previous, next, clockText) {
    const phase = view.phaseOf(next);
    const was = previous && previous.name === next.name ? view.phaseOf(previous) : "normal";
    if (phase === was || next.status === "finished" || next.status === "idle") return "";
    /** @type {Record<Phase, string>} */
    const sentences = {
      normal: `Back to normal: ${clockText} left.`,
      warning: `Warning: ${clockText} left.`,
      danger: `Danger: ${clockText} left.`,
      overtime: "Overtime: time is up, counting on.",
    };
    return sentences[phase];
  }

  /** @param {Snapshot} snapshot */
  function fillCountdownInputsOnce(snapshot) {
    if (countdownInputsFilled || snapshot.mode !== "countdown") return;
    countdownInputsFilled = true;
    view.setCountdownInputs(Math.round(snapshot.duration_ms / 1000), {
      overtime: snapshot.overtime === true,
      warningMs: snapshot.warning_ms ?? null,
      dangerMs: snapshot.danger_ms ?? null,
    });
  }

  // ---- Commands ----------------------------------------------------------------------------------------

  /** @param {PageToServer} message */
  function send(message) {
    if (!connection || !connection.send(message)) view.toast("Not connected: nothing was sent.");
  }

  /** The Pause button sends whichever of pause and resume the timer's status allows (it reads "Resume" then). */
  function pauseOrResume() {
    send({ type: timer && timer.allowed.includes("resume") ? "resume" : "pause" });
  }

  /**
   * Read the countdown form: its length, overtime, and the warning and danger thresholds. Mistakes are said in
   * words, beside the field and aloud; the server checks the upper limits and says so if something is too long.
   * @param {Event} event
   */
  function submitCountdown(event) {
    event.preventDefault();
    const input = view.countdownInput();
    const minutes = Number(input.minutes || 0);
    const seconds = Number(input.seconds || 0);
    /** @param {number} n */
    const whole = (n) => Number.isInteger(n) && n >= 0;
    if (!whole(minutes) || !whole(seconds) || seconds > 59) {
      rejectCountdown("Minutes and seconds must be whole numbers, and seconds at most 59.", "seconds");
      return;
    }
    const durationMs = (minutes * 60 + seconds) * 1000;
    if (durationMs === 0) {
      rejectCountdown("A countdown needs a length above zero.", "minutes");
      return;
    }
    const thresholds = readThresholds(input, durationMs);
    if ("error" in thresholds) {
      rejectCountdown(thresholds.error, thresholds.field);
      return;
    }
    view.showCountdownError(null);
    send({ type: "set", mode: "countdown", duration_ms: durationMs, overtime: input.overtime, ...thresholds });
  }

  /**
   * @param {string} text
   * @param {keyof CountdownInput} field
   */
  function rejectCountdown(text, field) {
    view.showCountdownError(text, field);
    view.toast(text);
  }

  /**
   * A time left as written in the form: "m:ss" or "h:mm:ss" -> ms; "" -> null (none); anything else -> NaN.
   * @param {string} text
   * @returns {number | null}
   */
  function parseTimeLeft(text) {
    const trimmed = text.trim();
    if (!trimmed) return null;
    const match = /^(?:(\d{1,3}):(?=\d\d:))?(\d{1,4}):(\d\d)$/.exec(trimmed);
    if (!match) return NaN;
    const [hours, minutes, seconds] = [match[1] ?? "0", match[2] ?? "0", match[3] ?? "0"].map(Number);
    if (seconds > 59 || (match[1] !== undefined && minutes > 59)) return NaN;
    return ((hours * 60 + minutes) * 60 + seconds) * 1000;
  }

  /**
   * The warning and danger thresholds from the form, checked: each above zero and below the countdown's length,
   * danger after warning (less time left).
   * @param {CountdownInput} input
   * @param {number} durationMs
   * @returns {{ warning_ms: number | null, danger_ms: number | null } | { error: string, field: "warning" | "danger" }}
   */
  function readThresholds(input, durationMs) {
    const length = format.formatClock(durationMs);
    /** @type {Record<"warning" | "danger", number | null>} */
    const found = { warning: null, danger: null };
    for (const field of /** @type {const} */ (["warning", "danger"])) {
      const name = field === "warning" ? "Warning" : "Danger";
      const ms = parseTimeLeft(input[field]);
      if (ms !== null && Number.isNaN(ms)) {
        return { error: `${name}: write the time left as minutes:seconds, like 2:00 or 0:30.`, field };
      }
      if (ms === 0) return { error: `${name} at 0:00 would never show: give a time above zero, or leave it empty.`, field };
      if (ms !== null && ms >= durationMs) {
        return { error: `${name} at ${input[field].trim()} must be less than the countdown's length (${length}).`, field };
      }
      found[field] = ms;
    }
    if (found.warning !== null && found.danger !== null && found.danger >= found.warning) {
      return {
        error: `Danger must be below warning: it comes later, with less time left (say warning at 2:00, danger at ` +
          `0:30); here danger is at ${input.danger.trim()} and warning at ${input.warning.trim()}.`,
        field: "danger",
      };
    }
    return { warning_ms: found.warning, danger_ms: found.danger };
  }

  /**
   * True when keys typed at `node` are text for it, not shortcuts for us.
   * @param {EventTarget | null} node
   */
  function isTyping(node) {
    return node instanceof Element && Boolean(node.closest("input, textarea, select, [contenteditable]"));
  }

  /**
   * Space on a focused button already presses that button; a shortcut on top would act twice.
   * @param {EventTarget | null} node
   */
  function spaceHasNativeAction(node) {
    return node instanceof Element && Boolean(node.closest("button, a[href], summary"));
  }

  /**
   * Space: start, pause or resume. R: reset. - and +: a minute less or more. Each just presses the matching button,
   * if it is enabled.
   * @param {KeyboardEvent} event
   */
  function onKeyDown(event) {
    if (stage.isStage) return; // the presenter view has no controls, so no shortcuts either
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return;
    if (event.key === "-") {
      view.button("adjustMinus").click(); // disabled unless `adjust` is allowed: then nothing happens
    } else if (event.key === "+" || event.key === "=") { // "=" is the "+" key without Shift
      view.button("adjustPlus").click();
    } else if (event.key === " ") {
      if (spaceHasNativeAction(event.target)) return;
      event.preventDefault(); // don't scroll the page
      const start = view.button("start");
      (start.disabled ? view.button("pause") : start).click();
    } else if (event.key === "r" || event.key === "R") {
      view.button("reset").click();
    }
  }

  function wireControls() {
    view.button("start").addEventListener("click", () => send({ type: "start" }));
    view.button("pause").addEventListener("click", pauseOrResume);
    view.button("reset").addEventListener("click", () => send({ type: "reset" }));
    view.button("stopwatch").addEventListener("click", () => send({ type: "set", mode: "stopwatch", initial_ms: 0 }));
    for (const name of /** @type {const} */ (["adjustMinus", "adjustPlus"])) {
      const button = view.button(name);
      button.addEventListener("click", () => send({ type: "adjust", delta_ms: Number(button.dataset.deltaMs) }));
    }
    view.onCountdownSubmit(submitCountdown);
    messageBox.init((update) => send({ type: "message", ...update }));
    document.addEventListener("keydown", onKeyDown);
  }

  // ---- Start -------------------------------------------------------------------------------------------

  function main() {
    view.init();
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
      view.showControls(null, false);
      view.setTitle("Not connected · tornado-timer");
      return;
    }
    target = found;
    view.showServer(target.shownUrl); // never the token
    view.showName(target.timerName);
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
