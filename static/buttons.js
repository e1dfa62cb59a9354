// buttons.js: the timer's buttons and the keys that press them. Start, Pause (or Resume), Reset, −1 min, +1 min,
// Switch to stopwatch, and the new-countdown form's Set: enabled as controls.js offers, each calling what app.js
// gives it. Space, R, − and + press the same buttons, so a key can never do what its button may not; other files
// give their own buttons keys the same way (bindKey: N and P for the rundown's Next and Previous).

/** @typedef {"start" | "pause" | "reset" | "stopwatch" | "adjustMinus" | "adjustPlus"} ButtonName */

(function (TornadoTimer) {
  "use strict";

  const { find, setText } = TornadoTimer.dom;
  const { stage } = TornadoTimer;

  /** The buttons, found once. */
  function findElements() {
    const Button = HTMLButtonElement;
    return {
      start: find("#start", Button),
      pause: find("#pause", Button),
      reset: find("#reset", Button),
      adjustMinus: find("#adjust-minus", Button),
      adjustPlus: find("#adjust-plus", Button),
      stopwatch: find("#stopwatch", Button),
      setCountdown: find("#set-countdown button[type=submit]", Button),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()

  function init() {
    el = findElements();
  }

  /**
   * Enable what may be pressed now (controls.offered), and say Pause or Resume.
   * @param {ControlsOffered} offer
   */
  function show(offer) {
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
   * What each button does when pressed, by click or by key; the keys start working now too.
   * @param {Record<ButtonName, (button: HTMLButtonElement) => void>} handlers
   */
  function wire(handlers) {
    for (const name of /** @type {ButtonName[]} */ (Object.keys(handlers))) {
      const button = el[name];
      button.addEventListener("click", () => handlers[name](button));
    }
    document.addEventListener("keydown", onKeyDown);
  }

  /** @type {Partial<Record<string, ButtonName>>} the button each key presses; "=" is the "+" key without Shift */
  const KEYS = { "-": "adjustMinus", "+": "adjustPlus", "=": "adjustPlus", r: "reset", R: "reset" };
  /** @type {Map<string, HTMLButtonElement>} keys other files gave their buttons (bindKey) */
  const boundKeys = new Map();

  /**
   * Make `keys` press `button`, under the same rules as the keys above (not while typing, not on a presenter view).
   * @param {string[]} keys  KeyboardEvent.key values
   * @param {HTMLButtonElement} button
   */
  function bindKey(keys, button) {
    for (const key of keys) boundKeys.set(key, button);
  }

  /**
   * Space: start, pause or resume. R: reset. - and +: a minute less or more. Each just presses the matching button,
   * which does nothing while it is disabled.
   * @param {KeyboardEvent} event
   */
  function onKeyDown(event) {
    if (stage.isStage) return; // the presenter view has no controls, so no shortcuts either
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return;
    if (event.key === " ") {
      if (spaceHasNativeAction(event.target)) return;
      event.preventDefault(); // don't scroll the page
      (el.start.disabled ? el.pause : el.start).click();
      return;
    }
    const name = KEYS[event.key];
    if (name) el[name].click();
    else boundKeys.get(event.key)?.click();
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

  TornadoTimer.buttons = { init, show, wire, bindKey };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
