// rundownform.js: the agenda box of the rundown panel. The rundown as lines ("Keynote, 20m", "Q&A, 10:00, take
// questions from the room"), to paste or edit and load; the server reads them (one parser: the server's) and a bad
// line comes back as an error naming it, shown beside the box with that line selected, and what the user typed is
// kept. The box follows the server's rundown unless the user is editing it. Remove takes the rundown off the timer
// and keeps the lines in the box, ready to load again.

(function (TornadoTimer) {
  "use strict";

  const { cueLines, words } = TornadoTimer;
  const { find, setText } = TornadoTimer.dom;

  function findElements() {
    const Button = HTMLButtonElement;
    return {
      details: find("#rundown-edit", HTMLDetailsElement),
      form: find("#rundown-form", HTMLFormElement),
      text: find("#rundown-text", HTMLTextAreaElement),
      error: find("#rundown-error", HTMLParagraphElement),
      load: find("#rundown-load", Button),
      remove: find("#rundown-remove", Button),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()
  /** @type {(message: SetRundown) => boolean} */
  let send = () => false;
  /** @type {() => boolean} the server's auto-advance setting, sent with the lines so that it stays as shown */
  let autoAdvance = () => false;
  let serverLines = ""; // the lines of the server's last rundown that had cues
  let hasRundown = false;
  let enabled = false;
  /** @type {{ id: string, text: string } | null} the lines this page sent, until the server takes or refuses them */
  let pending = null;
  let requests = 0;

  /**
   * @param {(message: SetRundown) => boolean} sendRundown  whether it went out
   * @param {() => boolean} getAutoAdvance
   */
  function init(sendRundown, getAutoAdvance) {
    el = findElements();
    send = sendRundown;
    autoAdvance = getAutoAdvance;
    el.details.open = true; // no rundown yet: the box is where one begins
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    el.text.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault(); // Ctrl+Enter loads, as the button does
      load();
    });
    el.remove.addEventListener("click", () => {
      showError("");
      send({ type: "rundown", cues: [], auto_advance: autoAdvance() });
    });
  }

  /** Send the box's lines, unless there is no cue in them (that would remove the rundown: Remove says so). */
  function load() {
    if (!enabled) return;
    const text = el.text.value;
    if (!cueLines.hasCueLine(text)) {
      showError("No cues to load: write one per line, like Keynote, 20m. To take the rundown off, press Remove.");
      el.text.focus();
      return;
    }
    showError("");
    requests += 1;
    const id = `rundown-${requests}`;
    if (send({ type: "rundown", text, auto_advance: autoAdvance(), id })) pending = { id, text };
  }

  /**
   * The server's rundown (a `rundown` message's cues). Lines this page sent and the server took are replaced by the
   * server's own writing of them; otherwise the box follows the server unless the user has changed it. A rundown
   * removed leaves the lines in the box.
   * @param {readonly Cue[]} cues
   */
  function follow(cues) {
    const lines = cueLines.cueLines(cues);
    const ours = pending !== null && el.text.value === pending.text;
    const untouched = document.activeElement !== el.text && el.text.value === serverLines;
    if (cues.length && (ours || untouched)) el.text.value = lines;
    // The box closes on a list (the user's own just loaded, or one that has appeared), and opens when it is gone.
    if (cues.length && (pending || !hasRundown)) el.details.open = false;
    if (!cues.length && hasRundown) el.details.open = true;
    if (pending) showError("");
    pending = null;
    if (cues.length) serverLines = lines;
    hasRundown = cues.length > 0;
    refreshButtons();
  }

  /**
   * An error for the lines this page sent (its id says so): shown beside the box, with the line it names selected.
   * Returns whether it was one; any other error is the toast's.
   * @param {ErrorMessage} message
   * @returns {boolean}
   */
  function onError(message) {
    if (!pending || message.id !== pending.id) return false;
    const sent = pending.text;
    pending = null;
    const known = words.errorText(message);
    showError(message.code === "invalid_message" ? `Not loaded: ${message.message}` : known);
    el.details.open = true;
    const line = cueLines.lineOfError(message.message);
    const span = line !== null && el.text.value === sent ? cueLines.lineSpan(sent, line) : null;
    if (span) {
      el.text.focus();
      el.text.setSelectionRange(span.start, span.end);
    }
    return true;
  }

  /** @param {string} text  "" for none */
  function showError(text) {
    setText(el.error, text);
    el.error.hidden = text === "";
    el.text.setAttribute("aria-invalid", String(text !== ""));
  }

  /**
   * Whether this page may change the rundown now (connected, as a controller, the server allowing `rundown`).
   * @param {boolean} may
   */
  function setEnabled(may) {
    enabled = may;
    // Lines sent just before the connection went may or may not have been taken: the box keeps them as typed.
    if (!may) pending = null;
    refreshButtons();
  }

  function refreshButtons() {
    el.load.disabled = !enabled;
    el.remove.disabled = !(enabled && hasRundown);
  }

  TornadoTimer.rundownForm = { init, follow, onError, setEnabled };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
