// app.js: wires the pieces together. Messages from the server update `timer` and its message; the display is
// recomputed every animation frame from `timer` and the clock offset; buttons and keys send commands. Each piece is
// a file of its own (docs/page.md lists them); this one only says what happens when.

(function (TornadoTimer) {
  "use strict";

  const { clock, address, connection: net, protocol, words, controls } = TornadoTimer;
  const { view, clockFace, buttons, countdownForm, share, stage, wakeLock, chime } = TornadoTimer;
  const { serverClock, session, frames, nowNext, rundownForm } = TornadoTimer;
  const rundownPanel = TornadoTimer.rundown; // the controllers' rundown panel; its list is kept on every page
  const messageBox = TornadoTimer.message; // the timer's message on the screen, and the box that changes it

  // Tests (and the curious) may tune timings by defining window.TornadoTimerSettings before this runs.
  const settings = { ...globalThis.TornadoTimerSettings };

  /** @type {TimerState | null} the latest state's timer, kept current by ticks, with what its status allows */
  let timer = null;
  /** @type {TornadoTimerConnection | null} */
  let connection = null;
  /** @type {SocketTarget | null} where to connect, from address.js; null when the page's URL is not valid */
  let target = null;
  /** @type {ShareLinks | null} what the Share panel offers, from address.js */
  let links = null;

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
      serverClock.noteServerTime(message.server_time, receivedAt);
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
      case "rundown":
        onRundown(message);
        break;
      case "pong":
        serverClock.onPong(message, receivedAt);
        break;
      case "error": // an error for the agenda box's lines is shown beside it, any other briefly
        if (!rundownForm.onError(message)) view.toast(words.errorText(message));
        break;
      case "server": // the server's health: while degraded it refuses commands, so the buttons are disabled
        session.onServer(message);
        refreshControls();
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
    const firstState = session.noteState(message); // the protocol's version, and a new connection's role
    if (firstState && links) share.show(links, session.knownRole);
    if (firstState) rundownPanel.setAvailable(session.knownRole === "controller" && !stage.isStage);
    const previous = timer;
    const allowed = Array.isArray(message.allowed) ? [...message.allowed] : [];
    timer = { ...message.timer, allowed };
    frames.restart();
    frames.renderConnection();
    const clockText = frames.renderClock(timer);
    announceChange(previous, timer, clockText);
    // The chime is not for an end that happened while this page was away (a connection's first state).
    if (!message.role && protocol.reachedZero(previous, timer)) chime.chime();
    clockFace.showTimer(timer);
    messageBox.show(message.message);
    // A note is for the presenter: on the presenter view and an operator's page, not on a viewer's (nownext.js).
    nowNext.show(message.cue, message.next_cue, stage.isStage || session.knownRole !== "viewer");
    if (rundownPanel.noteState(message)) rundownForm.follow([]); // removed while this page was away
    showBlackout();
    wakeLock.keepAwake(timer.status === "running");
    refreshControls();
    countdownForm.fillOnce(timer);
    frames.animate();
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
      announceChange(previous, timer, frames.renderClock(timer));
      if (protocol.reachedZero(previous, timer)) chime.chime();
    }
    frames.render();
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
   * The timer's rundown changed (its cues, auto-advance or the cue on), or this page has just joined a timer with one.
   * @param {RundownMessage} message
   */
  function onRundown(message) {
    if (!timer || message.timer !== timer.name) return;
    rundownPanel.show(message);
    rundownForm.follow(message.cues);
    refreshControls();
  }

  /**
   * A blackout blacks out viewer screens (a presenter view, or a page the server made a viewer); a controller's page
   * is dimmed with a badge instead, so that its operator can still work.
   */
  function showBlackout() {
    stage.showBlackout(messageBox.current.blackout, stage.isStage || session.knownRole === "viewer");
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

  // ---- The connection ----------------------------------------------------------------------------------

  /** @param {ConnectionStatus} status */
  function onConnectionStatus(status) {
    const begins = session.follow(status);
    if (begins) serverClock.resync();
    if (begins && timer) view.announce("Reconnected.");
    refreshControls();
    frames.renderConnection();
  }

  // ---- Controls and commands ---------------------------------------------------------------------------

  /** Enable what the timer allows, while the session may command (connected, a controller, not degraded). */
  function refreshControls() {
    const offer = controls.offered(timer, session.mayCommand);
    buttons.show(offer);
    messageBox.setEnabled(offer.message);
    rundownPanel.setOffer(offer);
    rundownForm.setEnabled(offer.rundown);
  }

  /**
   * @param {PageToServer} message
   * @returns {boolean} whether it went out (else the page says that nothing was sent)
   */
  function send(message) {
    if (connection && connection.send(message)) return true;
    view.toast("Not connected: nothing was sent.");
    return false;
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
    rundownPanel.init({ send, getTimer: () => timer, serverNow: () => clock.clientNow() + serverClock.offset });
    rundownForm.init(send, () => rundownPanel.autoAdvance);
  }

  // ---- Start -------------------------------------------------------------------------------------------

  function main() {
    frames.init(() => timer);
    view.init();
    clockFace.init();
    buttons.init();
    countdownForm.init();
    nowNext.init();
    stage.init(address.viewMode(location.href));
    wakeLock.init();
    chime.init();
    const found = address.socketAddress(location.href);
    share.init();
    if ("error" in found) {
      showBadAddress(found.error);
      return;
    }
    target = found;
    session.init(target);
    view.showServer(target.shownUrl); // never the token
    clockFace.showName(target.timerName);
    links = address.shareLinks(location.href);
    if (links) share.show(links, session.knownRole);
    wireControls();
    refreshControls();
    connection = new net.Connection(target.url, { onMessage, onStatus: onConnectionStatus }, settings);
    serverClock.init(() => connection !== null && connection.ping());
    connection.start();
    // When the tab wakes up its clock may have jumped relative to the server's: measure again.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && session.connected) serverClock.resync();
      frames.animate();
    });
    // Animation frames stop in background tabs; this keeps document.title, the indicator and the rundown's offset
    // (which grows while a cue is not running) current there.
    setInterval(() => {
      frames.render();
      rundownPanel.render();
    }, 250);
  }

  /**
   * A page whose address is not valid says why, and connects to nothing.
   * @param {string} error
   */
  function showBadAddress(error) {
    share.setAvailable(false);
    view.showProblem(error);
    view.showServer(null);
    view.showConnection("failed", "Not connected");
    buttons.show(controls.offered(null, false));
    view.setTitle("Not connected · tornado-timer");
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
      return session.status;
    },
    get role() {
      return session.role;
    },
    get degraded() {
      return session.degraded;
    },
    get message() {
      return messageBox.current;
    },
    /** The rundown as the page holds it: its cues, the index of the cue on, the auto-advance setting. */
    get rundown() {
      return { cues: rundownPanel.cues, current: rundownPanel.current, autoAdvance: rundownPanel.autoAdvance };
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
      return serverClock.reading;
    },
    send,
  };

  main();
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
