// wakelock.js: keeps the screen on while a timer runs, with the Screen Wake Lock API where the browser offers it
// (navigator.wakeLock): a projector or a phone on a lectern must not dim in the middle of a talk. The browser drops
// the lock whenever the page is hidden; it is asked for again when the page is shown. Where the API is missing, or
// the browser refuses (no permission, a battery saver), nothing happens: no error, the screen may dim as before.
//
// <body data-wake-lock> says how it stands: "held", "off", "unsupported" or "refused".

/** @typedef {"held" | "off" | "unsupported" | "refused"} WakeLockState */

(function (TornadoTimer) {
  "use strict";

  let wanted = false;
  /** @type {WakeLockSentinel | null} */
  let sentinel = null;
  let requesting = false;
  /** @type {WakeLockState} */
  let state = "off";

  /** @returns {WakeLock | null} */
  const api = () => ("wakeLock" in navigator && navigator.wakeLock ? navigator.wakeLock : null);

  /** @param {WakeLockState} next */
  function report(next) {
    state = next;
    document.body.dataset.wakeLock = next;
  }

  /**
   * Hold the screen on (`true`, while a timer runs) or let it go (`false`).
   * @param {boolean} want
   */
  function keepAwake(want) {
    if (want === wanted) return;
    wanted = want;
    sync();
  }

  /** Bring the lock in line with what is wanted and whether the page is shown. */
  async function sync() {
    const wakeLock = api();
    if (!wakeLock) {
      report("unsupported");
    } else if (!wanted) {
      const held = sentinel;
      sentinel = null;
      if (state === "held") report("off");
      if (held) await held.release().catch(() => {}); // already released by the browser: fine
    } else if (!sentinel && !requesting && document.visibilityState === "visible") {
      requesting = true;
      try {
        adopt(await wakeLock.request("screen"));
      } catch {
        report("refused"); // no permission, a battery saver: the screen may dim
      } finally {
        requesting = false;
      }
    }
  }

  /**
   * A lock the browser granted: kept if it is still wanted, let go at once if not.
   * @param {WakeLockSentinel} got
   */
  function adopt(got) {
    if (!wanted) {
      got.release().catch(() => {});
      report("off");
      return;
    }
    sentinel = got;
    got.addEventListener("release", () => {
      if (sentinel !== got) return;
      sentinel = null; // the browser let it go (the page was hidden); asked for again when it is shown
      report("off");
    });
    report("held");
  }

  function init() {
    report(api() ? "off" : "unsupported");
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") sync();
    });
  }

  TornadoTimer.wakeLock = {
    init,
    keepAwake,
    get state() {
      return state;
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
