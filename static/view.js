// view.js: everything the page shows. Only this file touches the DOM's content, and only with textContent,
// attributes and classes: nothing received from the network is ever parsed as HTML.
(function (TornadoTimer) {
  "use strict";

  const byId = (id) => document.getElementById(id);
  let el = null; // the page's elements, found once (scripts are `defer`red, so the DOM is ready)

  function init() {
    el = {
      body: document.body,
      name: byId("timer-name"),
      meta: byId("timer-meta"),
      mode: byId("timer-mode"),
      status: byId("timer-status"),
      clock: byId("clock"),
      staleNote: byId("stale-note"),
      connection: byId("connection"),
      connectionText: byId("connection-text"),
      problem: byId("problem"),
      degraded: byId("degraded"),
      degradedDetail: byId("degraded-detail"),
      start: byId("start"),
      pause: byId("pause"),
      reset: byId("reset"),
      setCountdown: byId("set-countdown"),
      minutes: byId("minutes"),
      seconds: byId("seconds"),
      stopwatch: byId("stopwatch"),
      sync: byId("sync"),
      server: byId("server-url"),
      rtt: byId("rtt"),
      offset: byId("offset"),
      toast: byId("toast"),
      announcer: byId("announcer"),
    };
    window.addEventListener("resize", fitClock);
    fitClock();
    return el;
  }

  /** Write text only when it changed: cheap to call every frame. */
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  /**
   * The big digits, refitted to the width when the format changes ("05:00" -> "01:00:00.0").
   * The data-* attributes expose the exact value shown, for tests and the curious.
   */
  function showClock(text, { elapsedMs, remainingMs, renderedAt }) {
    if (el.clock.textContent !== text) {
      const shapeChanged = shape(el.clock.textContent) !== shape(text);
      el.clock.textContent = text;
      if (shapeChanged) fitClock();
    }
    el.clock.dataset.elapsedMs = elapsedMs.toFixed(1);
    el.clock.dataset.remainingMs = remainingMs == null ? "" : remainingMs.toFixed(1);
    el.clock.dataset.renderedAt = renderedAt.toFixed(1);
  }

  const FILL = 0.9; // the share of the width the digits take

  // Digits are tabular (all one width), so "04:58" and "00:00" are as wide; "01:00:00" is not. The "--:--"
  // shown before the first value is sized like "00:00", not blown up to fill the width with dashes.
  const shape = (text) => text.replace(/[0-9-]/g, "0");

  /**
   * Size the digits to the screen: CSS guesses from the number of characters, then we measure the text as
   * the browser's font really draws it and correct the guess (--fit). This runs only when the text's shape
   * or the size of the window changes, not every frame.
   */
  function fitClock() {
    const clock = el.clock;
    const text = clock.textContent;
    clock.style.setProperty("--chars", String(text.length));
    clock.style.setProperty("--fit", "1");
    clock.textContent = shape(text); // measure digits, whatever is shown
    const range = document.createRange();
    range.selectNodeContents(clock);
    const textWidth = range.getBoundingClientRect().width;
    clock.textContent = text;
    const parent = getComputedStyle(clock.parentElement);
    const available =
      clock.parentElement.clientWidth - parseFloat(parent.paddingLeft) - parseFloat(parent.paddingRight);
    if (textWidth > 0 && available > 0) {
      clock.style.setProperty("--fit", ((FILL * available) / textWidth).toFixed(3));
    }
  }

  const STATUS_WORDS = { idle: "Ready", running: "Running", paused: "Paused", finished: "Finished" };
  const MODE_WORDS = { countdown: "Countdown", stopwatch: "Stopwatch" };

  function showTimer(timer) {
    el.meta.hidden = false;
    setText(el.name, timer.name);
    setText(el.mode, MODE_WORDS[timer.mode] ?? timer.mode);
    setText(el.status, STATUS_WORDS[timer.status] ?? timer.status);
    // CSS styles the states (finished colour and flash, paused, ...) from these attributes.
    el.body.dataset.status = timer.status;
    el.body.dataset.mode = timer.mode;
    el.clock.dataset.version = String(timer.version);
  }

  /** Enable only what makes sense now; the keyboard shortcuts press these same buttons. */
  function showControls(timer, connected) {
    const status = timer ? timer.status : null;
    const allow = (ok) => Boolean(connected && timer && ok);
    const focused = document.activeElement;

    el.start.disabled = !allow(status === "idle" || status === "finished");
    el.pause.disabled = !allow(status === "running" || status === "paused");
    setText(el.pause, status === "paused" ? "Resume" : "Pause");
    el.reset.disabled = !allow(status !== "idle");
    el.setCountdown.querySelector("button").disabled = !connected;
    el.stopwatch.disabled = !allow(!(timer && timer.mode === "stopwatch" && status === "idle"));

    // A disabled button loses the focus; hand it to the control a keyboard user most likely wants next.
    if (focused instanceof HTMLButtonElement && focused.disabled) {
      const next = [el.pause, el.start, el.reset].find((button) => !button.disabled);
      if (next) next.focus();
    }
  }

  /** kind: connecting | connected | reconnecting | offline | failed (CSS colours the dot from it). */
  function showConnection(kind, text) {
    el.body.dataset.connection = kind;
    el.connection.dataset.kind = kind;
    setText(el.connectionText, text);
  }

  /** While disconnected the digits are dimmed and labelled: they may no longer be true. */
  function showStale(stale) {
    el.body.toggleAttribute("data-stale", stale);
    el.staleNote.hidden = !stale;
  }

  /** A lasting problem the user has to act on (a bad address, a server that can't be reached). */
  function showProblem(text) {
    setText(el.problem, text || "");
    el.problem.hidden = !text;
  }

  /**
   * The server's own trouble (it cannot reach its shared store): a calm notice, not an alarm, since the time shown
   * stays right and commands come back by themselves. `message` is the server's words, shown as text.
   */
  function showDegraded(degraded, message) {
    el.body.toggleAttribute("data-degraded", degraded);
    el.degraded.hidden = !degraded;
    const detail = message
      ? `The server says: ${message.replace(/\.?$/, ".")}`
      : "Its shared timer store is unreachable.";
    setText(el.degradedDetail, degraded ? detail : "");
  }

  /** The timer's name before its first state arrives. */
  function showName(name) {
    setText(el.name, name);
  }

  /** The socket's address in the footer; null hides the line (there is no valid address). */
  function showServer(url) {
    el.sync.hidden = url === null;
    setText(el.server, url || "");
    el.server.dataset.url = url || "";
  }

  function showSync(rttText, offsetText) {
    setText(el.rtt, rttText);
    setText(el.offset, offsetText);
  }

  function setTitle(title) {
    if (document.title !== title) document.title = title;
  }

  /** Polite announcement for screen readers: status changes only, never every tick. */
  function announce(text) {
    // Clearing first makes a repeated message ("Paused") be announced again.
    el.announcer.textContent = "";
    setTimeout(() => (el.announcer.textContent = text), 50);
  }

  let toastTimer = null;
  /** A brief message (an error from the server, a rejected input); it fades after a few seconds. */
  function toast(text, ms = 5000) {
    el.toast.textContent = text;
    el.toast.classList.add("visible");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.toast.classList.remove("visible"), ms);
  }

  /** Pre-fill the countdown inputs (e.g. with the current countdown's length). */
  function setCountdownInputs(totalSeconds) {
    el.minutes.value = String(Math.floor(totalSeconds / 60));
    el.seconds.value = String(totalSeconds % 60);
  }

  TornadoTimer.view = {
    init,
    showClock,
    showTimer,
    showControls,
    showConnection,
    showStale,
    showProblem,
    showDegraded,
    showServer,
    showName,
    showSync,
    setTitle,
    announce,
    toast,
    setCountdownInputs,
  };
})((globalThis.TornadoTimer ??= {}));
