// countdownform.js: the new-countdown form. Its length, overtime and the warning and danger thresholds, checked by
// countdown.js's rules before anything is sent: a mistake is said beside the field and aloud. The options' summary in
// the legend follows what is typed; the fields are filled once with the timer's own countdown. (Its Set button is
// enabled with the other buttons, by buttons.js.)

(function (TornadoTimer) {
  "use strict";

  const { find, setText } = TornadoTimer.dom;
  const { countdown, view } = TornadoTimer;

  /** The form's elements, found once. */
  function findElements() {
    const Input = HTMLInputElement;
    return {
      form: find("#set-countdown", HTMLFormElement),
      minutes: find("#minutes", Input),
      seconds: find("#seconds", Input),
      options: find("#countdown-options", HTMLDetailsElement),
      optionsSummary: find("#options-summary", HTMLSpanElement),
      overtime: find("#overtime", Input),
      warning: find("#warning-at", Input),
      danger: find("#danger-at", Input),
      error: find("#countdown-error", HTMLParagraphElement),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()
  let filled = false; // the fields are filled with the timer's countdown once; after that they are the user's

  /** Find the form; its legend follows the options as they are typed. */
  function init() {
    el = findElements();
    for (const field of [el.overtime, el.warning, el.danger]) field.addEventListener("input", summarizeOptions);
  }

  /**
   * On submit (its button, or Enter in a field), send the countdown the form asks for, once it is right.
   * @param {(message: SetCountdown) => void} send
   */
  function wire(send) {
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const read = countdown.readCountdown(input());
      if ("error" in read) {
        showError(read.error, read.field);
        view.toast(read.error);
        return;
      }
      showError(null);
      send(read.set);
    });
  }

  /**
   * What the form holds, as typed.
   * @returns {CountdownInput}
   */
  function input() {
    return {
      minutes: el.minutes.value,
      seconds: el.seconds.value,
      overtime: el.overtime.checked,
      warning: el.warning.value,
      danger: el.danger.value,
    };
  }

  /**
   * Fill the form with a countdown's settings, the first time the timer is one; the options' summary says what is set.
   * @param {Snapshot} timer
   */
  function fillOnce(timer) {
    if (filled || timer.mode !== "countdown") return;
    filled = true;
    const settings = countdown.inputFor(timer);
    el.minutes.value = settings.minutes;
    el.seconds.value = settings.seconds;
    el.overtime.checked = settings.overtime;
    el.warning.value = settings.warning;
    el.danger.value = settings.danger;
    summarizeOptions();
  }

  /** What the options hold, in the form's legend: they go with the next countdown, so they are never out of sight. */
  function summarizeOptions() {
    setText(el.optionsSummary, countdown.optionsSummary(input()));
  }

  /**
   * A problem with what the form holds, under the form and on the field it is about (null: none). The field is
   * marked invalid and focused, its options opened if it is one of them.
   * @param {string | null} text
   * @param {keyof CountdownInput} [field]
   */
  function showError(text, field) {
    setText(el.error, text || "");
    el.error.hidden = !text;
    const fields = { minutes: el.minutes, seconds: el.seconds, overtime: el.overtime, warning: el.warning,
                     danger: el.danger };
    for (const [name, node] of Object.entries(fields)) {
      if (text && name === field) node.setAttribute("aria-invalid", "true");
      else node.removeAttribute("aria-invalid");
    }
    if (!text || !field) return;
    if (el.options.contains(fields[field])) el.options.open = true;
    fields[field].focus();
  }

  TornadoTimer.countdownForm = { init, wire, fillOnce };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
