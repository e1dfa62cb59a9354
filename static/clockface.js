// clockface.js: the timer itself on the screen. The big digits, sized to the width; the timer's name, mode and status
// above them; the line under them with the phase (and paused, finished) in words and a symbol, and an adjustment.
// <body>'s data-status, data-mode and data-phase, from which CSS colours everything, are set here too.

(function (TornadoTimer) {
  "use strict";

  const { find, setText } = TornadoTimer.dom;
  const { format, protocol, words } = TornadoTimer;

  /** The elements of the timer's face, found once. */
  function findElements() {
    const [P, Span] = [HTMLParagraphElement, HTMLSpanElement];
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
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()

  function init() {
    el = findElements();
    window.addEventListener("resize", fitClock);
    // The digits' box also narrows without the window changing: when the rundown panel opens beside it.
    const box = el.clock.parentElement;
    let width = box ? box.clientWidth : 0;
    if (box && typeof ResizeObserver === "function") {
      new ResizeObserver(() => {
        if (box.clientWidth === width) return; // only a new width refits (refitting changes the height)
        width = box.clientWidth;
        fitClock();
      }).observe(box);
    }
    fitClock();
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

  /**
   * Everything about the timer but its digits: the header's name, mode and status, the phase line, an adjustment.
   * @param {Snapshot} timer
   */
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
   * The timer's name before its first state arrives.
   * @param {string} name
   */
  function showName(name) {
    setText(el.name, name);
  }

  TornadoTimer.clockFace = { init, showClock, showTimer, showName };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
