// chime.js: an optional chime when a countdown reaches zero (or goes into overtime), behind the "Sound on" toggle.
// Off by default, and remembered in this browser (localStorage). The tone is made with WebAudio, no sound file.
// Browsers let a page make sound only after someone has clicked or typed on it; pressing "Sound on" is such a
// moment, and on a page where sound was already on (remembered), the first click or key anywhere unlocks it.
//
// <body data-sound> is "on" or "off"; data-chimes counts the chimes played (for tests and the curious).

(function (TornadoTimer) {
  "use strict";

  const STORAGE_KEY = "tornado-timer.sound";
  // A bell-like pair of notes (A5 then E6), each fading out; quiet enough not to startle a room.
  const NOTES = [
    { hz: 880, at: 0, length: 0.9 },
    { hz: 1318.5, at: 0.25, length: 1.2 },
  ];
  const PEAK_GAIN = 0.25;

  let enabled = false;
  let chimes = 0;
  /** @type {AudioContext | null} */
  let context = null;
  /** @type {HTMLButtonElement | null} */
  let toggle = null;

  /** @returns {boolean} what this browser remembers (off when it remembers nothing, or may not store anything) */
  function remembered() {
    try {
      return localStorage.getItem(STORAGE_KEY) === "on";
    } catch {
      return false; // storage blocked (privacy settings): sound stays off until pressed
    }
  }

  /** @param {boolean} on */
  function remember(on) {
    try {
      localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
    } catch {
      // Not stored: it lasts as long as the page.
    }
  }

  /**
   * The audio context, made on first use; null where the browser has no WebAudio.
   * @returns {AudioContext | null}
   */
  function audio() {
    if (!context && typeof AudioContext === "function") {
      try {
        context = new AudioContext();
      } catch {
        context = null;
      }
    }
    if (context && context.state === "suspended") context.resume().catch(() => {});
    return context;
  }

  /**
   * Play the notes, `gain` loud.
   * @param {number} gain
   * @returns {boolean} whether anything could be played
   */
  function ring(gain) {
    const ctx = audio();
    if (!ctx) return false;
    const start = ctx.currentTime + 0.02;
    for (const note of NOTES) {
      const oscillator = ctx.createOscillator();
      const envelope = ctx.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = note.hz;
      envelope.gain.setValueAtTime(0.0001, start + note.at);
      envelope.gain.exponentialRampToValueAtTime(gain, start + note.at + 0.02);
      envelope.gain.exponentialRampToValueAtTime(0.0001, start + note.at + note.length);
      oscillator.connect(envelope).connect(ctx.destination);
      oscillator.start(start + note.at);
      oscillator.stop(start + note.at + note.length + 0.05);
    }
    return true;
  }

  /** @param {boolean} on */
  function setEnabled(on) {
    enabled = on;
    document.body.dataset.sound = on ? "on" : "off";
    if (toggle) toggle.setAttribute("aria-pressed", String(on));
  }

  /** The chime for zero, if sound is on here. */
  function chime() {
    if (!enabled) return;
    if (ring(PEAK_GAIN)) {
      chimes += 1;
      document.body.dataset.chimes = String(chimes);
    }
  }

  /** Find the toggle, take the remembered setting, and unlock audio on the first click or key where it is on. */
  function init() {
    const button = document.getElementById("sound");
    toggle = button instanceof HTMLButtonElement ? button : null;
    setEnabled(remembered());
    document.body.dataset.chimes = "0";
    if (toggle) {
      toggle.addEventListener("click", () => {
        setEnabled(!enabled);
        remember(enabled);
        if (enabled) ring(PEAK_GAIN / 3); // a soft preview, which also unlocks audio (this click allows it)
      });
    }
    const unlock = () => {
      if (enabled) audio();
    };
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
  }

  TornadoTimer.chime = {
    init,
    chime,
    get enabled() {
      return enabled;
    },
    get chimes() {
      return chimes;
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
