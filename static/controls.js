// controls.js: which of the timer's controls may be pressed. The server says what the timer's status allows (a
// state's `allowed`, see docs/protocol.md) and the page keeps no table of its own; this file only adds what the page
// knows besides: whether it may command at all, and two commands that would change nothing. Pure, no DOM:
// buttons.js, message.js and the rundown's panel enable what it offers.

/**
 * What may be pressed now, and what the Pause button says (and so sends).
 * @typedef {object} ControlsOffered
 * @property {boolean} start
 * @property {boolean} pause  the Pause button, whichever of pause and resume it sends
 * @property {"Pause" | "Resume"} pauseWord
 * @property {boolean} reset
 * @property {boolean} adjust  −1 min and +1 min
 * @property {boolean} set  a new countdown
 * @property {boolean} stopwatch  switch to stopwatch
 * @property {boolean} message  the message box
 * @property {boolean} rundown  loading or removing a rundown, and its auto-advance switch
 * @property {boolean} next  the rundown's next cue (the first, while none is on)
 * @property {boolean} previous  the cue before the one on
 * @property {boolean} cue  loading any cue of the rundown
 */

(function (TornadoTimer) {
  "use strict";

  /**
   * The controls to enable: what `timer.allowed` allows (from its last state), and only while `mayCommand`
   * (connected, as a controller, to a server that is not degraded). Resetting an idle timer and switching an idle
   * stopwatch to a stopwatch are not offered: they would change nothing. While `resume` is allowed (a paused timer)
   * the Pause button reads "Resume" and is the one to press, so Start is not offered beside it.
   * @param {TimerState | null} timer
   * @param {boolean} mayCommand
   * @returns {ControlsOffered}
   */
  function offered(timer, mayCommand) {
    const allowed = timer ? timer.allowed : [];
    /** @param {Command} command */
    const may = (command) => mayCommand && allowed.includes(command);
    const resumes = allowed.includes("resume");
    const idle = timer !== null && timer.status === "idle";
    return {
      start: may("start") && !resumes,
      pause: may("pause") || may("resume"),
      pauseWord: resumes ? "Resume" : "Pause",
      reset: may("reset") && !idle,
      adjust: may("adjust"),
      set: may("set"),
      stopwatch: may("set") && !(idle && timer.mode === "stopwatch"),
      message: may("message"),
      rundown: may("rundown"),
      next: may("next"),
      previous: may("previous"),
      cue: may("cue"),
    };
  }

  /**
   * What the Pause button sends: whichever of pause and resume the timer's status allows.
   * @param {TimerState | null} timer
   * @returns {"pause" | "resume"}
   */
  function pauseCommand(timer) {
    return timer && timer.allowed.includes("resume") ? "resume" : "pause";
  }

  TornadoTimer.controls = { offered, pauseCommand };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
