// words.js: the timer in words. What the header and the line under the digits say, the sentences screen readers
// hear when the timer changes, and the server's errors put so that a user can act on them. Pure, no DOM: the files
// that show these (clockface.js, view.js) and app.js, which decides when, use them.

(function (TornadoTimer) {
  "use strict";

  const { format, protocol } = TornadoTimer;

  /** @type {Partial<Record<string, string>>} */
  const STATUS_WORDS = { idle: "Ready", running: "Running", paused: "Paused", finished: "Finished" };
  /** @type {Partial<Record<string, string>>} */
  const MODE_WORDS = { countdown: "Countdown", stopwatch: "Stopwatch" };
  /** @type {Record<Phase, string>} */
  const PHASE_WORDS = { normal: "", warning: "Warning", danger: "Danger", overtime: "Overtime" };

  /**
   * The status in the header ("Running"); an unknown one as the server wrote it.
   * @param {string} status
   */
  const statusWord = (status) => STATUS_WORDS[status] ?? status;

  /**
   * The mode in the header ("Countdown"); an unknown one as the server wrote it.
   * @param {string} mode
   */
  const modeWord = (mode) => MODE_WORDS[mode] ?? mode;

  /**
   * What the line under the digits says, with its symbol: the phase, and whether the timer is paused or finished.
   * So colour is never the only sign (amber is the warning's colour and the paused one's too).
   * @param {Snapshot} timer
   * @returns {{ icon: string, words: string } | null}  icon: the name of an #icon-* symbol in index.html
   */
  function phaseLine(timer) {
    if (timer.status === "finished") return { icon: "finished", words: "Time is up" };
    const phase = protocol.phaseOf(timer);
    const words = [PHASE_WORDS[phase], timer.status === "paused" ? "Paused" : ""].filter(Boolean);
    if (!words.length) return null;
    return { icon: phase === "normal" ? "paused" : phase, words: words.join(" · ") };
  }

  /**
   * What changed, in a sentence for the aria-live region (status changes, adjustments and phases, never a tick);
   * "" when there is nothing to say. The first state a page receives names the timer.
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText  what the digits read now
   * @returns {string}
   */
  function timerChange(previous, next, clockText) {
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
    if (!said.length) return "";
    const prefix = previous ? "" : `Timer ${next.name}. `;
    return prefix + said.join(" ");
  }

  /**
   * What an adjustment did ("Time adjusted by +1:00: 02:00 left."); "" for none.
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
   * A change of phase; "" for none (a finished countdown is said by its status).
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @param {string} clockText
   */
  function phaseSentence(previous, next, clockText) {
    const phase = protocol.phaseOf(next);
    const was = previous && previous.name === next.name ? protocol.phaseOf(previous) : "normal";
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

  /**
   * Errors the user can do something about, in words; any other is the server's own sentence.
   * @type {Partial<Record<string, string>>}
   */
  const ERROR_WORDS = {
    forbidden: "View only: this page may not control the timer. Open the control link (with ?token=) to do that.",
    rate_limited: "Too many commands at once: the server ignored some. Wait a moment, then try again.",
    unavailable: "Not done: the server cannot reach its shared timer store right now. Try again once it is back.",
  };

  /**
   * An `error` from the server, as the page shows it.
   * @param {ErrorMessage} message
   * @returns {string}
   */
  function errorText(message) {
    return ERROR_WORDS[message.code] ?? `The server said: ${message.message}`;
  }

  TornadoTimer.words = { statusWord, modeWord, phaseLine, timerChange, errorText };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
