// clock.js: what time it is on the server, and what the timer shows at that time. Pure, no DOM.
//
// Every screen computes the timer's value itself, from the snapshot's `started_at` and its own estimate of
// the server's clock, instead of waiting for ticks: so all screens agree to a few ms however late a tick is.

/**
 * One ping/pong exchange: the estimated offset (server clock minus this page's) and the round trip, in ms.
 * @typedef {{ offset: number, rtt: number }} ClockSample
 */

(function (TornadoTimer) {
  "use strict";

  /**
   * This page's clock in epoch ms: monotonic (never jumps when the OS adjusts the time) and sub-millisecond.
   * @returns {number}
   */
  const clientNow = () => performance.timeOrigin + performance.now();

  /**
   * One ping/pong exchange, as NTP computes it: the client sent at t0 and received at t3; the server stamped
   * its reply at t1 = t2 = serverTime. offset = ((t1 - t0) + (t2 - t3)) / 2 assumes the way there and the way
   * back took equally long; the error is at most half the round trip, hence we prefer samples with short ones.
   * @param {number} t0
   * @param {number} serverTime
   * @param {number} t3
   * @returns {ClockSample}
   */
  function measure(t0, serverTime, t3) {
    return { offset: (serverTime - t0 + (serverTime - t3)) / 2, rtt: t3 - t0 };
  }

  /** @param {number[]} values  at least one */
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };

  // A lower bound learned from a message is trusted this long; the two clocks drift apart slowly.
  const BOUND_LIFETIME_MS = 30000;

  /** Estimates serverTime - clientNow() from the latest ping/pong samples. */
  class ClockSync {
    /**
     * keep: samples remembered (old ones age out, so the estimate follows drift); best: how many to use.
     * @param {{ keep?: number, best?: number }} [options]
     */
    constructor({ keep = 8, best = 3 } = {}) {
      this.keep = keep;
      this.best = best;
      /** @type {ClockSample[]} */
      this.samples = [];
      this.fallback = 0; // the estimate before the first sample, and after reset() until the next one
      /** @type {number | null} the offset is at least this much (see noteServerTime) */
      this.bound = null;
      this.boundAt = -Infinity;
    }

    /**
     * Forget the samples: after a reconnect or a sleep they may be wrong. Until new ones arrive the last
     * estimate stands in, so the display doesn't jump in between.
     */
    reset() {
      this.fallback = this.offset;
      this.samples = [];
      this.bound = null; // the offset is at least this much (see noteServerTime)
      this.boundAt = -Infinity;
    }

    /**
     * @param {number} t0  this page's clock when the ping left
     * @param {number} serverTime  the pong's server_time
     * @param {number} t3  this page's clock when the pong arrived
     */
    addSample(t0, serverTime, t3) {
      this.samples.push(measure(t0, serverTime, t3));
      if (this.samples.length > this.keep) this.samples.shift();
    }

    /**
     * Every server message corrects the estimate a little: it was stamped before we received it, so the
     * server's clock was at least `serverTime` when ours read `receivedAt`. Until a pong arrives this bound
     * is the whole estimate (exact but for the one-way delay).
     * @param {number} serverTime
     * @param {number} receivedAt
     */
    noteServerTime(serverTime, receivedAt) {
      const bound = serverTime - receivedAt;
      const expired = receivedAt - this.boundAt > BOUND_LIFETIME_MS;
      if (this.bound === null || expired || bound > this.bound) {
        this.bound = bound;
        this.boundAt = receivedAt;
      }
    }

    /**
     * The samples with the shortest round trips: queueing delays only ever make a trip longer.
     * @returns {ClockSample[]}
     */
    bestSamples() {
      return [...this.samples].sort((a, b) => a.rtt - b.rtt).slice(0, this.best);
    }

    /**
     * serverTime ≈ clientNow() + offset.
     * @returns {number}
     */
    get offset() {
      const best = this.bestSamples();
      const estimate = best.length ? median(best.map((s) => s.offset)) : this.bound ?? this.fallback;
      return this.bound === null ? estimate : Math.max(estimate, this.bound);
    }

    /**
     * The shortest recent round trip, or null.
     * @returns {number | null}
     */
    get rtt() {
      const best = this.bestSamples();
      return best.length ? best[0].rtt : null;
    }
  }

  /**
   * How far the timer has run at `serverNow`: computed while it runs, the snapshot's value otherwise.
   * @param {Snapshot} timer
   * @param {number} serverNow  the server's clock (epoch ms)
   * @returns {number}
   */
  function elapsedAt(timer, serverNow) {
    if (timer.status !== "running" || typeof timer.started_at !== "number") return timer.elapsed_ms;
    const elapsed = Math.max(0, serverNow - timer.started_at);
    if (timer.mode !== "countdown" || timer.overtime) return elapsed; // overtime runs on past zero
    // A countdown without overtime stops at its end (its duration moved by the adjustments), even before the
    // server says "finished".
    return Math.min(elapsed, timer.duration_ms + (timer.adjusted_ms ?? 0));
  }

  /**
   * Never let a running display step backwards. A new offset estimate may move the computed value back a
   * millisecond or two; holding the highest value shown since the last `state` hides that. A `state`
   * (a command, or a reconnect) starts a new run and may legitimately show a smaller value.
   */
  class Monotonic {
    constructor() {
      this.highest = -Infinity;
    }
    restart() {
      this.highest = -Infinity;
    }
    /**
     * @param {number} value
     * @returns {number} the highest value since restart()
     */
    next(value) {
      this.highest = Math.max(this.highest, value);
      return this.highest;
    }
  }

  TornadoTimer.clock = { clientNow, measure, ClockSync, elapsedAt, Monotonic };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
