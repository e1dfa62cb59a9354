// clock.js: what time it is on the server, and what the timer shows at that time. Pure, no DOM.
//
// Every screen computes the timer's value itself, from the snapshot's `started_at` and its own estimate of
// the server's clock, instead of waiting for ticks: so all screens agree to a few ms however late a tick is.
(function (TornadoTimer) {
  "use strict";

  /** This page's clock in epoch ms: monotonic (never jumps when the OS adjusts the time) and sub-millisecond. */
  const clientNow = () => performance.timeOrigin + performance.now();

  /**
   * One ping/pong exchange, as NTP computes it: the client sent at t0 and received at t3; the server stamped
   * its reply at t1 = t2 = serverTime. offset = ((t1 - t0) + (t2 - t3)) / 2 assumes the way there and the way
   * back took equally long; the error is at most half the round trip, hence we prefer samples with short ones.
   */
  function measure(t0, serverTime, t3) {
    return { offset: (serverTime - t0 + (serverTime - t3)) / 2, rtt: t3 - t0 };
  }

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };

  // A lower bound learned from a message is trusted this long; the two clocks drift apart slowly.
  const BOUND_LIFETIME_MS = 30000;

  /** Estimates serverTime - clientNow() from the latest ping/pong samples. */
  class ClockSync {
    /** keep: samples remembered (old ones age out, so the estimate follows drift); best: how many to use. */
    constructor({ keep = 8, best = 3 } = {}) {
      this.keep = keep;
      this.best = best;
      this.reset();
    }

    /**
     * Forget the samples: after a reconnect or a sleep they may be wrong. Until new ones arrive the last
     * estimate stands in, so the display doesn't jump in between.
     */
    reset() {
      this.fallback = this.samples ? this.offset : 0;
      this.samples = [];
      this.bound = null; // the offset is at least this much (see noteServerTime)
      this.boundAt = -Infinity;
    }

    addSample(t0, serverTime, t3) {
      this.samples.push(measure(t0, serverTime, t3));
      if (this.samples.length > this.keep) this.samples.shift();
    }

    /**
     * Every server message corrects the estimate a little: it was stamped before we received it, so the
     * server's clock was at least `serverTime` when ours read `receivedAt`. Until a pong arrives this bound
     * is the whole estimate (exact but for the one-way delay).
     */
    noteServerTime(serverTime, receivedAt) {
      const bound = serverTime - receivedAt;
      const expired = receivedAt - this.boundAt > BOUND_LIFETIME_MS;
      if (this.bound === null || expired || bound > this.bound) {
        this.bound = bound;
        this.boundAt = receivedAt;
      }
    }

    /** The samples with the shortest round trips: queueing delays only ever make a trip longer. */
    bestSamples() {
      return [...this.samples].sort((a, b) => a.rtt - b.rtt).slice(0, this.best);
    }

    /** serverTime ≈ clientNow() + offset. */
    get offset() {
      const best = this.bestSamples();
      const estimate = best.length ? median(best.map((s) => s.offset)) : this.bound ?? this.fallback;
      return this.bound === null ? estimate : Math.max(estimate, this.bound);
    }

    /** The shortest recent round trip, or null. */
    get rtt() {
      const best = this.bestSamples();
      return best.length ? best[0].rtt : null;
    }
  }

  /** How far the timer has run at `serverNow`: computed while it runs, the snapshot's value otherwise. */
  function elapsedAt(timer, serverNow) {
    if (timer.status !== "running" || typeof timer.started_at !== "number") return timer.elapsed_ms;
    const elapsed = Math.max(0, serverNow - timer.started_at);
    // A countdown stops at zero: the page never shows overtime, even before the server says "finished".
    return timer.mode === "countdown" ? Math.min(elapsed, timer.duration_ms) : elapsed;
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
    next(value) {
      this.highest = Math.max(this.highest, value);
      return this.highest;
    }
  }

  TornadoTimer.clock = { clientNow, measure, ClockSync, elapsedAt, Monotonic };
})((globalThis.TornadoTimer ??= {}));
