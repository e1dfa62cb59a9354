// protocol.js: the protocol as this page reads it (docs/protocol.md, version 1): the shapes of the messages, as JSDoc
// types the other files use (in a classic script a @typedef is global), and what a snapshot says beyond its fields:
// its phase, and whether it has just reached zero. Pure, no DOM.

/** @typedef {"idle" | "running" | "paused" | "finished"} TimerStatus */
/**
 * A command, as a state's `allowed` names it. The rundown's moves (`next`, `previous`, `cue`) are listed only while
 * the timer's rundown has a cue for them.
 * @typedef {"start" | "pause" | "resume" | "reset" | "set" | "adjust" | "message" | "rundown" | "next" | "previous"
 *   | "cue"} Command
 */
/** @typedef {"controller" | "viewer"} Role */

/**
 * How close a countdown is to its end, from its remaining time: "warning" (at most warning_ms left), "danger" (at
 * most danger_ms), "overtime" (past zero, a countdown set with overtime). A stopwatch is always "normal".
 * @typedef {"normal" | "warning" | "danger" | "overtime"} Phase
 */

/**
 * The timer's message, shown on every screen of it: plain `text` (never markup), shown while `visible`; `blink`
 * flashes it; `blackout` blacks out the viewers' screens altogether (the time and the message).
 * @typedef {object} TimerMessage
 * @property {string} text
 * @property {boolean} visible
 * @property {boolean} blink
 * @property {boolean} blackout
 */

/**
 * What every snapshot carries, whatever its mode.
 * @typedef {object} SnapshotBase
 * @property {string} name
 * @property {TimerStatus} status
 * @property {number} elapsed_ms  how far it has run (a stopwatch's includes its initial_ms)
 * @property {number} interval_ms  the tick interval
 * @property {number} initial_ms
 * @property {number} version  grows with every change of the timer
 * @property {number} [started_at]  only while running: the server's clock when elapsed_ms was 0
 */

/**
 * What a countdown's snapshot adds. Servers from before these fields existed send none of them: absent, a countdown
 * has no overtime, no thresholds, no adjustment, and is in the "normal" phase.
 * @typedef {object} CountdownFields
 * @property {"countdown"} mode
 * @property {number} duration_ms  its length as set
 * @property {number} remaining_ms  duration_ms + adjusted_ms - elapsed_ms; below zero only in overtime
 * @property {number} [ends_at]  only while running: when it reaches zero (started_at + duration_ms + adjusted_ms)
 * @property {boolean} [overtime]  it runs on past zero (counting up, shown with a plus) instead of finishing
 * @property {number | null} [warning_ms]  the warning phase begins with this much left
 * @property {number | null} [danger_ms]  the danger phase begins with this much left (below warning_ms)
 * @property {number} [adjusted_ms]  the adjustments since it last started from the beginning: its end moved by this
 * @property {Phase} [phase]
 */

/**
 * What a stopwatch's snapshot adds: its adjustments are already in its elapsed time.
 * @typedef {object} StopwatchFields
 * @property {"stopwatch"} mode
 * @property {null} duration_ms
 * @property {null} remaining_ms
 * @property {false} [overtime]
 * @property {number} [adjusted_ms]  how far its elapsed time was moved
 * @property {"normal"} [phase]
 */

/**
 * A timer as the server describes it (a state's `timer`).
 * @typedef {SnapshotBase & CountdownFields | SnapshotBase & StopwatchFields} Snapshot
 */

/**
 * One item of a timer's rundown (its agenda), with the id the server gave it.
 * @typedef {{ id: string, title: string, duration_ms: number, note: string }} Cue
 */

/**
 * The cue on the timer, as a state names it: with its note, for the presenter ("" or absent for none).
 * @typedef {{ index: number, id: string, title: string, note?: string }} CueOn
 */

/**
 * The cue after the one on, as a state names it.
 * @typedef {{ index: number, id: string, title: string }} CueNext
 */

/**
 * The server's word on the timer: the first message of every connection, then one after every change. Servers from
 * before rundowns send no `cue`, `next_cue`, `planned_ms` or `offset_ms`; without a rundown `cue` and `next_cue` are
 * null and `planned_ms` is 0.
 * @typedef {object} StateMessage
 * @property {"state"} type
 * @property {number} protocol
 * @property {Snapshot} timer
 * @property {Command[]} [allowed]  the commands the timer's status allows; older servers send none
 * @property {TimerMessage} [message]  the timer's message; older servers send none
 * @property {CueOn | null} [cue]  the cue on
 * @property {CueNext | null} [next_cue]  only while a cue is on and another follows it
 * @property {number} [planned_ms]  the sum of the rundown's cue lengths
 * @property {number | null} [offset_ms]  how much later (+) or earlier (−) than planned the last cue will end, as of
 *   server_time; null before a cue has run
 * @property {number} server_time
 * @property {Role} [role]  only in a connection's first state
 */

/**
 * Where a running timer is, every interval.
 * @typedef {object} TickMessage
 * @property {"tick"} type
 * @property {string} timer  its name
 * @property {number} seq
 * @property {number} elapsed_ms
 * @property {number | null} remaining_ms
 * @property {TimerStatus} status
 * @property {Phase} [phase]
 * @property {number} server_time
 */

/**
 * The timer's message changed (and nothing else did): to every client of the timer.
 * @typedef {{ type: "message", timer: string, message: TimerMessage, server_time: number }} MessageChanged
 */

/**
 * The answer to this page's ping.
 * @typedef {{ type: "pong", client_time: number, server_time: number }} PongMessage
 */

/**
 * A message of this page's the server refused (nothing changed); `id` echoes the request's own id, if it had one.
 * @typedef {{ type: "error", code: string, message: string, id?: string | number | null }} ErrorMessage
 */

/**
 * The server's health: while degraded it keeps ticking but refuses commands.
 * @typedef {{ type: "server", degraded: boolean, message?: string }} ServerMessage
 */

/**
 * The timer's rundown: sent when a page joins a timer that has one, and to every page after every change of its
 * cues, its auto-advance or the cue on ("cues": [] when it was removed).
 * @typedef {object} RundownMessage
 * @property {"rundown"} type
 * @property {string} timer
 * @property {Cue[]} cues
 * @property {boolean} auto_advance  the next cue starts by itself the moment one ends
 * @property {number | null} current  the index of the cue on
 * @property {number} planned_ms
 * @property {number | null} offset_ms
 * @property {number} server_time
 */

/**
 * @typedef {StateMessage | TickMessage | MessageChanged | RundownMessage | PongMessage | ErrorMessage
 *   | ServerMessage} ServerToPage
 */

/**
 * A new countdown, as `set` asks for it: its length, and optionally overtime and its phases' thresholds.
 * @typedef {object} SetCountdown
 * @property {"set"} type
 * @property {"countdown"} mode
 * @property {number} duration_ms
 * @property {number} [interval_ms]
 * @property {boolean} [overtime]  run on past zero instead of finishing
 * @property {number | null} [warning_ms]  the warning phase begins with this much left (null: none)
 * @property {number | null} [danger_ms]  the danger phase begins with this much left (below warning_ms)
 */

/**
 * A new rundown: its cues as lines of text ("Keynote, 20m"; the server reads them and names a bad line), or as a
 * list (with their ids, to keep them); `id` is the request's, echoed by an error.
 * @typedef {{ type: "rundown", text: string, auto_advance: boolean, id?: string }
 *   | { type: "rundown", cues: Cue[], auto_advance: boolean, id?: string }} SetRundown
 */

/**
 * What this page sends: a command, or a ping for the clock sync.
 * @typedef {{ type: "start" | "pause" | "resume" | "reset" }
 *   | SetCountdown
 *   | { type: "set", mode: "stopwatch", initial_ms: number, interval_ms?: number }
 *   | { type: "adjust", delta_ms: number }
 *   | { type: "message" } & MessageUpdate
 *   | SetRundown
 *   | { type: "next" | "previous" }
 *   | { type: "cue", index: number }
 *   | { type: "ping", client_time: number }} PageToServer
 */

/**
 * The timer as this page holds it: the last state's snapshot, kept current by ticks, with that state's `allowed`
 * (which ticks don't change).
 * @typedef {Snapshot & { allowed: Command[] }} TimerState
 */

(function (TornadoTimer) {
  "use strict";

  const VERSION = 1;

  /**
   * What to tell the user about a server speaking another version of the protocol; null when it speaks this one.
   * @param {number} version  a state's `protocol`
   * @returns {string | null}
   */
  function versionProblem(version) {
    if (version === VERSION) return null;
    return `The server speaks protocol ${version}; this page knows ${VERSION}. Reload the page from the server.`;
  }

  /**
   * The timer's phase: a countdown's from its snapshot ("normal" from a server too old to send one), a stopwatch's
   * always "normal".
   * @param {Snapshot} timer
   * @returns {Phase}
   */
  function phaseOf(timer) {
    return timer.mode === "countdown" ? timer.phase ?? "normal" : "normal";
  }

  /**
   * Whether a countdown reached zero between `previous` and `next` (two snapshots of the same timer): it finished,
   * or, set with overtime, went into overtime while running. This is the moment the chime is for.
   * @param {Snapshot | null} previous
   * @param {Snapshot} next
   * @returns {boolean}
   */
  function reachedZero(previous, next) {
    if (!previous || previous.name !== next.name || next.mode !== "countdown") return false;
    const finished = previous.status === "running" && next.status === "finished";
    const overtime = phaseOf(previous) !== "overtime" && phaseOf(next) === "overtime";
    return finished || (overtime && next.status === "running");
  }

  TornadoTimer.protocol = { VERSION, versionProblem, phaseOf, reachedZero };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
