// view.js: everything the page shows. Only this file touches the DOM's content, and only with textContent,
// attributes and classes: nothing received from the network is ever parsed as HTML. (The Share panel, the message
// and the screen's kind have files of their own, share.js, message.js and stage.js, which keep to the same rule.)
// The words it shows come from words.js; which buttons are enabled, from controls.js; the form's rules, countdown.js.

(function (TornadoTimer) {
  "use strict";

  const { format, protocol, words, countdown } = TornadoTimer;

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

  /** @param {Snapshot} timer */
  function showTimer(timer) {
    el.meta.hidden = false;
    setText(el.name, timer.name);
    setText(el.mode, words.modeWord(timer.mode));
    setText(el.status, words.statusWord(timer.status));
    // CSS styles the states (finished colour and flash, paused, the phases' colours, ...) from these attributes.
    el.body.dataset.status = timer.status;
    el.body.dataset.mode = timer.mode;
    el.body.dataset.phase = protocol.phaseOf(timer);
    el.clock.dataset.version = String(timer.version);

    const line = words.phaseLine(timer);
    el.phase.hidden = line === null;
    if (line) {
      el.phaseIcon.setAttribute("href", `#icon-${line.icon}`);
      setText(el.phaseText, line.words);
    }
    // An adjustment is shown beside the time while the timer is under way ("adjusted +1:00").
    const adjustment = timer.status === "idle" ? "" : format.formatAdjustment(timer.adjusted_ms ?? 0);
    setText(el.adjusted, adjustment ? `adjusted ${adjustment}` : "");
    el.adjusted.hidden = !adjustment;
  }

  /**
   * Enable what may be pressed now (controls.offered), and say Pause or Resume. The keyboard shortcuts press these
   * same buttons.
   * @param {ControlsOffered} offer
   */
  function showControls(offer) {
    const focused = document.activeElement;
    el.start.disabled = !offer.start;
    el.pause.disabled = !offer.pause;
    setText(el.pause, offer.pauseWord);
    el.reset.disabled = !offer.reset;
    el.adjustMinus.disabled = !offer.adjust;
    el.adjustPlus.disabled = !offer.adjust;
    el.setCountdown.disabled = !offer.set;
    el.stopwatch.disabled = !offer.stopwatch;

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

  /**
   * What the options hold, in the form's legend: they go with the next countdown, so they are never out of sight,
   * even while the options are closed.
   */
  function summarizeOptions() {
    setText(el.optionsSummary, countdown.optionsSummary(countdownInput()));
  }

  /**
   * Pre-fill the countdown form (with the current countdown's settings); the options' summary says what is set.
   * @param {CountdownInput} input
   */
  function setCountdownInputs(input) {
    el.minutes.value = input.minutes;
    el.seconds.value = input.seconds;
    el.overtime.checked = input.overtime;
    el.warningAt.value = input.warning;
    el.dangerAt.value = input.danger;
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
