// schedule.js: how far a rundown is off its plan right now. The server says it in every state and rundown message
// (`offset_ms`, as of that message's `server_time`: how much later (+) or earlier (−) than planned the last cue will
// end if everything left runs as planned). Between messages the page carries it on by the server's own rule
// (docs/protocol.md): while a cue counts down as planned the day keeps its offset; while it doesn't (idle, paused,
// finished before the last cue, in overtime) the day falls behind by every millisecond that passes; once the last
// cue has finished the offset is what it was. Pure, no DOM.

/**
 * The schedule as the server last said it.
 * @typedef {object} ScheduleReading
 * @property {number | null} offsetMs  null: no cue has run yet, so there is no schedule
 * @property {number} serverTime  when it said so, on the server's clock
 */

/**
 * How the offset moves from a reading on: "steady" (a cue counts down as planned), "grows" (by 1 ms per ms), or
 * "frozen" (the last cue has finished: the day is over).
 * @typedef {"steady" | "grows" | "frozen"} ScheduleDrift
 */

(function (TornadoTimer) {
  "use strict";

  const { protocol } = TornadoTimer;

  /**
   * How the offset moves while `timer` is as it is, with `lastCue` true when the cue on is the rundown's last.
   * @param {Snapshot} timer
   * @param {boolean} lastCue
   * @returns {ScheduleDrift}
   */
  function driftOf(timer, lastCue) {
    if (lastCue && timer.status === "finished") return "frozen";
    const onPlan = timer.mode === "countdown" && timer.status === "running" && protocol.phaseOf(timer) !== "overtime";
    return onPlan ? "steady" : "grows";
  }

  /**
   * The offset at `serverNow` (the server's clock), from the last reading; null while there is no schedule.
   * @param {ScheduleReading} reading
   * @param {ScheduleDrift} drift
   * @param {number} serverNow
   * @returns {number | null}
   */
  function offsetAt(reading, drift, serverNow) {
    if (reading.offsetMs == null) return null;
    if (drift !== "grows") return reading.offsetMs;
    return reading.offsetMs + Math.max(0, serverNow - reading.serverTime);
  }

  /**
   * Behind, ahead or on schedule, for CSS and tests: "none" while there is no schedule.
   * @param {number | null} offsetMs
   * @returns {"none" | "behind" | "ahead" | "on"}
   */
  function kindOf(offsetMs) {
    if (offsetMs == null) return "none";
    if (Math.abs(offsetMs) < 1000) return "on"; // as format.formatOffset words it: whole seconds only
    return offsetMs > 0 ? "behind" : "ahead";
  }

  TornadoTimer.schedule = { driftOf, offsetAt, kindOf };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
