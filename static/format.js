// format.js: how a number of milliseconds is written on the display. Pure functions, no DOM.
//
// Every file of this page is a classic script that adds itself to one global namespace, TornadoTimer,
// instead of using `export`: index.html says why. The namespace's shape, for the type checker, is in
// types/tornado-timer.d.ts; the JSDoc @typedefs of the files are global types, used by the others too.
//
// The display rule is also written in Python, function for function, in tornado_timer/core/display.py;
// tests/data/display_cases.json is one table of cases both must pass.

/**
 * What the display rule reads of a timer: a snapshot (see Snapshot in protocol.js) or anything with these fields.
 * A countdown's end is `duration_ms + adjusted_ms` (adjusted_ms: 0 when absent); with `overtime` it counts on past
 * zero, shown with a plus.
 * @typedef {{ mode: "countdown", duration_ms: number, elapsed_ms: number, interval_ms: number,
 *             overtime?: boolean, adjusted_ms?: number }
 *   | { mode: "stopwatch", duration_ms: null, elapsed_ms: number, interval_ms: number }} ClockTimer
 */

/**
 * How formatClock writes a value.
 * @typedef {object} ClockOptions
 * @property {boolean} tenths  add ".t", tenths of a second
 * @property {boolean} hours  "hh:mm:ss" rather than "mm:ss" (which then counts minutes past 59)
 * @property {boolean} roundUp  round up to the unit shown (countdowns) rather than down (stopwatches)
 */

(function (TornadoTimer) {
  "use strict";

  const MS_PER_TENTH = 100;
  const MS_PER_SECOND = 1000;
  const MS_PER_MINUTE = 60 * MS_PER_SECOND;
  const MS_PER_HOUR = 60 * MS_PER_MINUTE;

  /** @param {number} n */
  const pad2 = (n) => String(n).padStart(2, "0");

  /**
   * "mm:ss", or "hh:mm:ss" with `hours`, followed by ".t" (tenths) with `tenths`.
   * `roundUp` is for countdowns: they show 00:01 until the very last moment and reach 00:00 exactly at zero.
   * Stopwatches round down: 00:01 appears once a whole second has passed. Below zero is shown as zero, except for
   * a countdown (`roundUp`): its negative values are overtime, written as the time past zero with a plus and
   * rounded down like a stopwatch ("+00:00" in the first second past zero, then "+00:01").
   * @param {number} ms
   * @param {Partial<ClockOptions>} [options]
   * @returns {string}
   */
  function formatClock(ms, { tenths = false, hours = false, roundUp = false } = {}) {
    if (roundUp && ms < 0) return "+" + formatClock(-ms, { tenths, hours });
    const unit = tenths ? MS_PER_TENTH : MS_PER_SECOND;
    const round = roundUp ? Math.ceil : Math.floor;
    const shown = round(Math.max(0, ms) / unit) * unit; // whole units only, so every part below agrees

    const h = Math.floor(shown / MS_PER_HOUR);
    const m = Math.floor((shown % MS_PER_HOUR) / MS_PER_MINUTE) + (hours ? 0 : h * 60);
    const s = Math.floor((shown % MS_PER_MINUTE) / MS_PER_SECOND);
    let text = hours ? `${pad2(h)}:${pad2(m)}:${pad2(s)}` : `${pad2(m)}:${pad2(s)}`;
    if (tenths) text += "." + Math.floor((shown % MS_PER_SECOND) / MS_PER_TENTH);
    return text;
  }

  /**
   * The formatting a timer needs. Tenths only when ticks come faster than once a second.
   * The hours field is chosen from the timer's scale, not the current value, so a 90-minute countdown
   * doesn't change width when it passes below an hour.
   * @param {ClockTimer} timer
   * @returns {ClockOptions}
   */
  function clockOptions(timer) {
    const countdown = timer.mode === "countdown";
    const scale = countdown ? timer.duration_ms : timer.elapsed_ms;
    return {
      tenths: timer.interval_ms < MS_PER_SECOND,
      hours: scale >= MS_PER_HOUR,
      roundUp: countdown,
    };
  }

  /**
   * The value the display shows: the time left for a countdown (its duration moved by its adjustments; below zero
   * only in overtime), the time run for a stopwatch.
   * @param {ClockTimer} timer
   * @param {number} elapsedMs
   * @returns {number}
   */
  function shownValue(timer, elapsedMs) {
    if (timer.mode !== "countdown") return elapsedMs;
    const left = timer.duration_ms + (timer.adjusted_ms ?? 0) - elapsedMs;
    return timer.overtime ? left : Math.max(0, left);
  }

  /**
   * The display's text for `timer` at `elapsedMs` (by default the timer's own `elapsed_ms`): the one rule,
   * formatClock(shownValue(...), clockOptions(...)), which every place that shows the time goes through.
   * @param {ClockTimer} timer
   * @param {number} [elapsedMs]
   * @returns {string}
   */
  function clockText(timer, elapsedMs = timer.elapsed_ms) {
    return formatClock(shownValue(timer, elapsedMs), clockOptions(timer));
  }

  /**
   * A number of whole seconds as a length reads beside the time, not on the big digits: "0:30", "5:00", "1:02:03"
   * (no leading zero, the hours field only from an hour).
   * @param {number} seconds
   * @returns {string}
   */
  function shortLength(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return h ? `${h}:${pad2(m)}:${pad2(s)}` : `${m}:${pad2(s)}`;
  }

  /**
   * An adjustment (`adjusted_ms`) as a screen shows it beside the time: "+1:00", "−0:30", "+1:02:03"; whole seconds
   * (rounded), a true minus sign; "" for none.
   * @param {number} ms
   * @returns {string}
   */
  function formatAdjustment(ms) {
    const seconds = Math.round(Math.abs(ms) / MS_PER_SECOND);
    if (!Number.isFinite(seconds) || seconds === 0) return "";
    return (ms < 0 ? "\u2212" : "+") + shortLength(seconds);
  }

  /**
   * A cue's length in a list: "5:00", "0:45", "1:30:00". Rounded up, as its countdown's digits show it when loaded.
   * @param {number} ms
   * @returns {string}
   */
  function formatLength(ms) {
    return shortLength(Math.ceil(Math.max(0, ms) / MS_PER_SECOND));
  }

  /**
   * How far a rundown is off its plan (`offset_ms`: later +, earlier −): "+3:20 behind", "−1:05 ahead", "on
   * schedule"; "" while there is no schedule (null). Whole seconds, counted like a stopwatch (rounded towards zero):
   * a day falling behind reads "+0:01 behind" once it is a whole second late, and "on schedule" until then.
   * @param {number | null} ms
   * @returns {string}
   */
  function formatOffset(ms) {
    if (ms == null || !Number.isFinite(ms)) return "";
    const seconds = Math.floor(Math.abs(ms) / MS_PER_SECOND);
    if (seconds === 0) return "on schedule";
    return ms > 0 ? `+${shortLength(seconds)} behind` : `\u2212${shortLength(seconds)} ahead`;
  }

  /**
   * A background tab shows the title, so the time goes first; a stale time says so.
   * @param {string} text  the clock's text
   * @param {{ name: string, status: TimerStatus }} timer
   * @param {boolean} [stale]
   * @returns {string}
   */
  function pageTitle(text, timer, stale = false) {
    const status = stale ? " (disconnected)" : timer.status === "running" ? "" : ` (${timer.status})`;
    const name = timer.name === "default" ? "" : `${timer.name} · `;
    return `${text}${status} · ${name}tornado-timer`;
  }

  /**
   * Small numbers for the sync readout: "0.8 ms", "+12.3 ms"; "–" for none.
   * @param {number | null} ms
   * @param {{ signed?: boolean }} [options]
   * @returns {string}
   */
  function formatMs(ms, { signed = false } = {}) {
    if (ms == null || !Number.isFinite(ms)) return "–";
    const sign = signed && ms >= 0 ? "+" : "";
    return `${sign}${ms.toFixed(1)} ms`;
  }

  TornadoTimer.format = {
    formatClock,
    clockOptions,
    shownValue,
    clockText,
    formatAdjustment,
    formatLength,
    formatOffset,
    pageTitle,
    formatMs,
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
