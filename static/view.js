// view.js: everything the page shows. Only this file touches the DOM's content, and only with textContent,
// attributes and classes: nothing received from the network is ever parsed as HTML. (The Share panel, the message
// and the screen's kind have files of their own, share.js, message.js and stage.js, which keep to the same rule.)

/**
 * What the new-countdown form holds, as typed: the length, whether it runs into overtime, and its warning and danger
 * thresholds as written ("2:00"; "" for none).
 * @typedef {{ minutes: string, seconds: string, overtime: boolean, warning: string, danger: string }} CountdownInput
 */
(function (TornadoTimer) {
  "use strict";

  /**
   * The element `selector` finds, which must be a `type`: index.html and this file belong together.
   * @template {Element} T
   * @param {string} selector
   * @param {{ new (): T }} type
   * @returns {T}
   */
  function find(selector, type) {
    const node = document.querySelector(selector);
    if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} ${selector}`);
    return node;
  }

  /** The page's elements, found once (scripts are `defer`red, so the DOM is ready). */
  function findElements() {
    const [P, Span, Div, Button] = [HTMLParagraphElement, HTMLSpanElement, HTMLDivElement, HTMLButtonElement];
    return {
      body: document.body,
      name: find("#timer-name", Span),
      meta: find("#timer-meta", P),
      mode: find("#timer-mode", Span),
      status: find("#timer-status", Span),
      clock: find("#clock", P),
      phase: find("#phase", Span),
      phaseIcon: find("#phase-icon", SVGUseElement),
      phaseText: find("#phase-text", Span),
      adjusted: find("#adjusted", Span),
      staleNote: find("#stale-note", P),
      connection: find("#connection", P),
      connectionText: find("#connection-text", Span),
      problem: find("#problem", Div),
      degraded: find("#degraded", Div),
      degradedDetail: find("#degraded-detail", P),
      start: find("#start", Button),
      pause: find("#pause", Button),
      reset: find("#reset", Button),
      adjustMinus: find("#adjust-minus", Button),
      adjustPlus: find("#adjust-plus", Button),
      countdownForm: find("#set-countdown", HTMLFormElement),
      setCountdown: find("#set-countdown button[type=submit]", Button),
      minutes: find("#minutes", HTMLInputElement),
      seconds: find("#seconds", HTMLInputElement),
      countdownOptions: find("#countdown-options", HTMLDetailsElement),
      optionsSummary: find("#options-summary", Span),
      overtime: find("#overtime", HTMLInputElement),
      warningAt: find("#warning-at", HTMLInputElement),
      dangerAt: find("#danger-at", HTMLInputElement),
      countdownError: find("#countdown-error", P),
      stopwatch: find("#stopwatch", Button),
      sync: find("#sync", P),
      server: find("#server-url", Span),
      rtt: find("#rtt", Span),
      offset: find("#offset", Span),
      toast: find("#toast", Div),
      announcer: find("#announcer", Div),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init(), which app.js calls first

  function init() {
    el = findElements();
    window.addEventListener("resize", fitClock);
    fitClock();
    for (const input of [el.overtime, el.warningAt, el.dangerAt]) input.addEventListener("input", summarizeOptions);
    return el;
  }

  /**
   * Write text only when it changed: cheap to call every frame.
   * @param {HTMLElement} node
   * @param {string} text
   */
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  /**
   * The big digits, refitted to the width when the format changes ("05:00" -> "01:00:00.0").
   * The data-* attributes expose the exact value shown, for tests and the curious.
   * @param {string} text
   * @param {{ elapsedMs: number, remainingMs: number | null, renderedAt: number }} value  renderedAt: clientNow()
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
  /** @param {string} text */
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
    const box = clock.parentElement;
    if (!box) return;
    const padding = getComputedStyle(box);
    const available = box.clientWidth - parseFloat(padding.paddingLeft) - parseFloat(padding.paddingRight);
    if (textWidth > 0 && available > 0) {
      clock.style.setProperty("--fit", ((FILL * available) / textWidth).toFixed(3));
    }
  }

  /** @type {Partial<Record<string, string>>} */
  const STATUS_WORDS = { idle: "Ready", running: "Running", paused: "Paused", finished: "Finished" };
  /** @type {Partial<Record<string, string>>} */
  const MODE_WORDS = { countdown: "Countdown", stopwatch: "Stopwatch" };
  /** @type {Record<Phase, string>} */
  const PHASE_WORDS = { normal: "", warning: "Warning", danger: "Danger", overtime: "Overtime" };

  /**
   * The timer's phase: a countdown's from its snapshot ("normal" from a server too old to send one), a stopwatch's
   * always "normal".
   * @param {Snapshot} timer
   * @returns {Phase}
   */
  function phaseOf(timer) {
    return timer.mode === "countdown" ? timer.phase ?? "normal" : "normal";
  }

  /**
   * What the line under the digits says, with its symbol: the phase, and whether the timer is paused or finished.
   * So colour is never the only sign (amber is the warning's colour and the paused one's too).
   * @param {Snapshot} timer
   * @returns {{ icon: string, words: string } | null}  icon: the name of an #icon-* symbol in index.html
   */
  function phaseLine(timer) {
    if (timer.status === "finished") return { icon: "finished", words: "Time is up" };
    const phase = phaseOf(timer);
    const words = [PHASE_WORDS[phase], timer.status === "paused" ? "Paused" : ""].filter(Boolean);
    if (!words.length) return null;
    return { icon: phase === "normal" ? "paused" : phase, words: words.join(" · ") };
  }

  /** @param {Snapshot} timer */
  function showTimer(timer) {
    el.meta.hidden = false;
    setText(el.name, timer.name);
    setText(el.mode, MODE_WORDS[timer.mode] ?? timer.mode);
    setText(el.status, STATUS_WORDS[timer.status] ?? timer.status);
    // CSS styles the states (finished colour and flash, paused, the phases' colours, ...) from these attributes.
    el.body.dataset.status = timer.status;
    el.body.dataset.mode = timer.mode;
    el.body.dataset.phase = phaseOf(timer);
    el.clock.dataset.version = String(timer.version);

    const line = phaseLine(timer);
    el.phase.hidden = line === null;
    if (line) {
      el.phaseIcon.setAttribute("href", `#icon-${line.icon}`);
      setText(el.phaseText, line.words);
    }
    // An adjustment is shown beside the time while the timer is under way ("adjusted +1:00").
    const adjustment = timer.status === "idle" ? "" : TornadoTimer.format.formatAdjustment(timer.adjusted_ms ?? 0);
    setText(el.adjusted, adjustment ? `adjusted ${adjustment}` : "");
    el.adjusted.hidden = !adjustment;
  }

  /**
   * Enable what the server says the timer's status allows (`timer.allowed`, from its last state), and only while
   * `connected` (connected, as a controller, to a server that is not degraded): the page keeps no table of its
   * own. Two commands that would change nothing are not offered either: resetting an idle timer, and switching
   * an idle stopwatch to a stopwatch. While `resume` is allowed (a paused timer) the Pause button reads
   * "Resume" and is the one to press, so Start is not offered beside it. The keyboard shortcuts press these
   * same buttons.
   * @param {TimerState | null} timer
   * @param {boolean} connected
   */
  function showControls(timer, connected) {
    const allowed = timer ? timer.allowed : [];
    /** @param {Command} command */
    const may = (command) => connected && allowed.includes(command);
    const resumes = allowed.includes("resume");
    const idle = timer !== null && timer.status === "idle";
    const focused = document.activeElement;

    el.start.disabled = !(may("start") && !resumes);
    el.pause.disabled = !(may("pause") || may("resume"));
    setText(el.pause, resumes ? "Resume" : "Pause");
    el.reset.disabled = !(may("reset") && !idle);
    el.adjustMinus.disabled = !may("adjust");
    el.adjustPlus.disabled = !may("adjust");
    el.setCountdown.disabled = !may("set");
    el.stopwatch.disabled = !(may("set") && !(idle && timer.mode === "stopwatch"));

    // A disabled button loses the focus; hand it to the control a keyboard user most likely wants next.
    if (focused instanceof HTMLButtonElement && focused.disabled) {
      const next = [el.pause, el.start, el.reset].find((candidate) => !candidate.disabled);
      if (next) next.focus();
    }
  }

  /**
   * The indicator; CSS colours its dot from `kind`.
   * @param {"connecting" | "connected" | "reconnecting" | "offline" | "failed"} kind
   * @param {string} text
   */
  function showConnection(kind, text) {
    el.body.dataset.connection = kind;
    el.connection.dataset.kind = kind;
    setText(el.connectionText, text);
  }

  /**
   * While disconnected the digits are dimmed and labelled: they may no longer be true.
   * @param {boolean} stale
   */
  function showStale(stale) {
    el.body.toggleAttribute("data-stale", stale);
    el.staleNote.hidden = !stale;
  }

  /**
   * A lasting problem the user has to act on (a bad address, a server that can't be reached); null for none.
   * @param {string | null} text
   */
  function showProblem(text) {
    setText(el.problem, text || "");
    el.problem.hidden = !text;
  }

  /**
   * The server's own trouble (it cannot reach its shared store): a calm notice, not an alarm, since the time shown
   * stays right and commands come back by themselves. `message` is the server's words, shown as text.
   * @param {boolean} degraded
   * @param {string} message
   */
  function showDegraded(degraded, message) {
    el.body.toggleAttribute("data-degraded", degraded);
    el.degraded.hidden = !degraded;
    const detail = message
      ? `The server says: ${message.replace(/\.?$/, ".")}`
      : "Its shared timer store is unreachable.";
    setText(el.degradedDetail, degraded ? detail : "");
  }

  /**
   * The timer's name before its first state arrives.
   * @param {string} name
   */
  function showName(name) {
    setText(el.name, name);
  }

  /**
   * The socket's address in the footer; null hides the line (there is no valid address).
   * @param {string | null} url
   */
  function showServer(url) {
    el.sync.hidden = url === null;
    setText(el.server, url || "");
    el.server.dataset.url = url || "";
  }

  /**
   * The clock sync's readout in the footer.
   * @param {string} rttText
   * @param {string} offsetText
   */
  function showSync(rttText, offsetText) {
    setText(el.rtt, rttText);
    setText(el.offset, offsetText);
  }

  /** @param {string} title */
  function setTitle(title) {
    if (document.title !== title) document.title = title;
  }

  /** @type {string[]} what is to be said next; several things said at once are said together */
  let toAnnounce = [];

  /**
   * Polite announcement for screen readers: status changes only, never every tick. Things said within the same
   * moment are said together, in order, rather than the last one alone.
   * @param {string} text
   */
  function announce(text) {
    // Clearing first makes a repeated message ("Paused") be announced again.
    el.announcer.textContent = "";
    toAnnounce.push(text);
    if (toAnnounce.length > 1) return; // already scheduled
    setTimeout(() => {
      el.announcer.textContent = toAnnounce.join(" ");
      toAnnounce = [];
    }, 50);
  }

  /** @type {number | undefined} */
  let toastTimer;
  /**
   * A brief message (an error from the server, a rejected input); it fades after a few seconds.
   * @param {string} text
   * @param {number} [ms]
   */
  function toast(text, ms = 5000) {
    el.toast.textContent = text;
    el.toast.classList.add("visible");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.toast.classList.remove("visible"), ms);
  }

  /**
   * One of the buttons the controls and the keys press.
   * @param {"start" | "pause" | "reset" | "stopwatch" | "adjustMinus" | "adjustPlus"} name
   * @returns {HTMLButtonElement}
   */
  function button(name) {
    return el[name];
  }

  /**
   * Call `handler` when the new-countdown form is submitted (its button, or Enter in a field).
   * @param {(event: SubmitEvent) => void} handler
   */
  function onCountdownSubmit(handler) {
    el.countdownForm.addEventListener("submit", handler);
  }

  /**
   * What the countdown form holds, as typed.
   * @returns {CountdownInput}
   */
  function countdownInput() {
    return {
      minutes: el.minutes.value,
      seconds: el.seconds.value,
      overtime: el.overtime.checked,
      warning: el.warningAt.value,
      danger: el.dangerAt.value,
    };
  }

  /** @param {number} ms  whole seconds of it, as "m:ss" */
  const minutesSeconds = (ms) => {
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };

  /**
   * What the options hold, in the form's legend ("New countdown · overtime · warning 5:00 · danger 1:00"): they go
   * with the next countdown, so they are never out of sight, even while the options are closed.
   */
  function summarizeOptions() {
    const parts = [
      el.overtime.checked ? "overtime" : "",
      el.warningAt.value.trim() ? `warning ${el.warningAt.value.trim()}` : "",
      el.dangerAt.value.trim() ? `danger ${el.dangerAt.value.trim()}` : "",
    ].filter(Boolean);
    setText(el.optionsSummary, parts.length ? ` · ${parts.join(" · ")}` : "");
  }

  /**
   * Pre-fill the countdown form (e.g. with the current countdown's settings); the options' summary says what is set.
   * @param {number} totalSeconds
   * @param {{ overtime?: boolean, warningMs?: number | null, dangerMs?: number | null }} [options]
   */
  function setCountdownInputs(totalSeconds, { overtime = false, warningMs = null, dangerMs = null } = {}) {
    el.minutes.value = String(Math.floor(totalSeconds / 60));
    el.seconds.value = String(totalSeconds % 60);
    el.overtime.checked = overtime;
    el.warningAt.value = warningMs ? minutesSeconds(warningMs) : "";
    el.dangerAt.value = dangerMs ? minutesSeconds(dangerMs) : "";
    summarizeOptions();
  }

  /**
   * A problem with what the countdown form holds, under the form and on the field it is about (null: none). The
   * field is marked invalid and focused, its options opened if it is one of them; `toast` says it aloud.
   * @param {string | null} text
   * @param {keyof CountdownInput} [field]
   */
  function showCountdownError(text, field) {
    setText(el.countdownError, text || "");
    el.countdownError.hidden = !text;
    const inputs = { minutes: el.minutes, seconds: el.seconds, overtime: el.overtime, warning: el.warningAt,
                     danger: el.dangerAt };
    for (const [name, input] of Object.entries(inputs)) {
      if (text && name === field) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    if (!text || !field) return;
    if (el.countdownOptions.contains(inputs[field])) el.countdownOptions.open = true;
    inputs[field].focus();
  }

  TornadoTimer.view = {
    init,
    phaseOf,
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
    button,
    onCountdownSubmit,
    countdownInput,
    setCountdownInputs,
    showCountdownError,
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
