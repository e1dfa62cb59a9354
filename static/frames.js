// frames.js: what the display shows right now, recomputed rather than waited for. The digits and the tab's title come
// from the timer the page holds and the estimate of the server's clock, on every animation frame while the timer
// runs (and on every message); never stepping backwards while it runs. The indicator, the problem banner and the
// stale marking are redrawn with them.

(function (TornadoTimer) {
  "use strict";

  const { clock, format, view, clockFace, serverClock, session } = TornadoTimer;

  const monotonic = new clock.Monotonic();
  /** @type {() => TimerState | null} the timer the page holds (app.js's) */
  let currentTimer = () => null;
  let framePending = false;

  /**
   * Where the timer the page holds is read from.
   * @param {() => TimerState | null} getTimer
   */
  function init(getTimer) {
    currentTimer = getTimer;
  }

  /** A new state starts a new run, which may legitimately show a smaller value. */
  function restart() {
    monotonic.restart();
  }

  /** Recompute what the display shows right now. Called every frame while running, and on every message. */
  function render() {
    renderConnection();
    const timer = currentTimer();
    if (timer) renderClock(timer);
  }

  /** The indicator, the problem banner, and the stale marking of a time that may be out of date. */
  function renderConnection() {
    session.render();
    view.showStale(!session.connected && currentTimer() !== null);
  }

  /**
   * The digits and the title for `shown` (the timer the page holds) right now.
   * @param {TimerState} shown
   * @returns {string} the clock's text
   */
  function renderClock(shown) {
    const now = clock.clientNow();
    let elapsed = clock.elapsedAt(shown, now + serverClock.offset);
    if (shown.status === "running") elapsed = monotonic.next(elapsed);
    const text = format.clockText(shown, elapsed);
    clockFace.showClock(text, {
      elapsedMs: elapsed,
      remainingMs: shown.mode === "countdown" ? format.shownValue(shown, elapsed) : null,
      renderedAt: now,
    });
    view.setTitle(format.pageTitle(text, shown, !session.connected));
    return text;
  }

  /** Redraw on every animation frame while the timer runs; stop asking for frames once it doesn't. */
  function animate() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      render();
      const timer = currentTimer();
      if (timer && timer.status === "running") animate();
    });
  }

  TornadoTimer.frames = { init, restart, render, renderConnection, renderClock, animate };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
