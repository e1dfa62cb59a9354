// countdown.js: the new-countdown form's rules. What its fields hold is read into a `set` to send, or into the
// first mistake in words and the field it is about; a countdown's settings are written back into the fields; the
// options are summed up for the form's legend. Pure, no DOM: countdownform.js is the form itself.

/**
 * What the new-countdown form holds, as typed: the length, whether it runs into overtime, and its warning and danger
 * thresholds as written ("2:00"; "" for none).
 * @typedef {{ minutes: string, seconds: string, overtime: boolean, warning: string, danger: string }} CountdownInput
 */

/**
 * A mistake in the form: the sentence to show, and the field it is about.
 * @typedef {{ error: string, field: keyof CountdownInput }} CountdownMistake
 */

(function (TornadoTimer) {
  "use strict";

  const { format } = TornadoTimer;

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
   * A time left as the form writes it: whole seconds of `ms`, as "m:ss" (minutes past 59 too: "90:00").
   * @param {number} ms
   * @returns {string}
   */
  function timeLeftText(ms) {
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  /**
   * The countdown the form asks for, checked: a `set` to send, or the first mistake. The server checks the upper
   * limits and says so if something is too long.
   * @param {CountdownInput} input
   * @returns {{ set: SetCountdown } | CountdownMistake}
   */
  function readCountdown(input) {
    const minutes = Number(input.minutes || 0);
    const seconds = Number(input.seconds || 0);
    /** @param {number} n */
    const whole = (n) => Number.isInteger(n) && n >= 0;
    if (!whole(minutes) || !whole(seconds) || seconds > 59) {
      return { error: "Minutes and seconds must be whole numbers, and seconds at most 59.", field: "seconds" };
    }
    const durationMs = (minutes * 60 + seconds) * 1000;
    if (durationMs === 0) return { error: "A countdown needs a length above zero.", field: "minutes" };
    const thresholds = readThresholds(input, durationMs);
    if ("error" in thresholds) return thresholds;
    /** @type {SetCountdown} */
    const set = { type: "set", mode: "countdown", duration_ms: durationMs, overtime: input.overtime, ...thresholds };
    return { set };
  }

  /**
   * The warning and danger thresholds, checked: each above zero and below the countdown's length, danger after
   * warning (less time left).
   * @param {CountdownInput} input
   * @param {number} durationMs
   * @returns {{ warning_ms: number | null, danger_ms: number | null } | CountdownMistake}
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
   * The form's fields for a countdown's settings, to pre-fill it with the current countdown.
   * @param {Pick<CountdownFields, "duration_ms" | "overtime" | "warning_ms" | "danger_ms">} countdown
   * @returns {CountdownInput}
   */
  function inputFor(countdown) {
    const totalSeconds = Math.round(countdown.duration_ms / 1000);
    return {
      minutes: String(Math.floor(totalSeconds / 60)),
      seconds: String(totalSeconds % 60),
      overtime: countdown.overtime === true,
      warning: countdown.warning_ms ? timeLeftText(countdown.warning_ms) : "",
      danger: countdown.danger_ms ? timeLeftText(countdown.danger_ms) : "",
    };
  }

  /**
   * What the options hold, for the form's legend (" · overtime · warning 5:00 · danger 1:00"; "" for nothing): they
   * go with the next countdown, so they are never out of sight, even while the options are closed.
   * @param {CountdownInput} input
   * @returns {string}
   */
  function optionsSummary(input) {
    const parts = [
      input.overtime ? "overtime" : "",
      input.warning.trim() ? `warning ${input.warning.trim()}` : "",
      input.danger.trim() ? `danger ${input.danger.trim()}` : "",
    ].filter(Boolean);
    return parts.length ? ` · ${parts.join(" · ")}` : "";
  }

  TornadoTimer.countdown = { parseTimeLeft, timeLeftText, readCountdown, inputFor, optionsSummary };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
