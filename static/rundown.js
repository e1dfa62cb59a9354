// rundown.js: the controllers' rundown panel. The rundown as the server last said it, kept on every page (a viewer's
// too) from its `rundown` messages and states; how far the day is off its plan ("+3:20 behind", carried on between
// messages by schedule.js's rule); Previous and Next (keys P and N); the auto-advance switch. Only a controller's page
// shows the panel: the Rundown button in the bar opens and closes it (beside the digits on a wide screen, under them
// on a narrow one). The list of cues in it is cuelist.js's, the agenda box under it rundownform.js's.

/**
 * What app.js gives the rundown panel.
 * @typedef {object} RundownPanelWiring
 * @property {(message: PageToServer) => boolean} send
 * @property {() => TimerState | null} getTimer  the timer the page holds
 * @property {() => number} serverNow  the server's clock, as this page estimates it
 */

(function (TornadoTimer) {
  "use strict";

  const { format, schedule, buttons, cueList } = TornadoTimer;
  const { find, setText } = TornadoTimer.dom;

  function findElements() {
    const [Button, P] = [HTMLButtonElement, HTMLParagraphElement];
    return {
      toggle: find("#rundown-toggle", Button),
      panel: find("#rundown-panel", HTMLElement),
      offset: find("#rundown-offset", P),
      summary: find("#rundown-summary", P),
      previous: find("#cue-previous", Button),
      next: find("#cue-next", Button),
      autoAdvance: find("#auto-advance", HTMLInputElement),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()
  /** @type {RundownPanelWiring} */
  let wiring;
  /** @type {Cue[]} */
  let cues = [];
  /** @type {number | null} the index of the cue on */
  let current = null;
  let autoAdvance = false;
  let lastCue = false; // the cue on is the rundown's last (the state names no next cue)
  /** @type {ScheduleReading} */
  let reading = { offsetMs: null, serverTime: 0 };
  let available = false; // a controller's page, not a presenter view
  let toggled = false; // the user opened or closed the panel: it is no longer opened for them
  let open = false;

  /** @param {RundownPanelWiring} given */
  function init(given) {
    el = findElements();
    wiring = given;
    el.toggle.addEventListener("click", () => {
      toggled = true;
      setOpen(!open, true);
    });
    el.previous.addEventListener("click", () => wiring.send({ type: "previous" }));
    el.next.addEventListener("click", () => wiring.send({ type: "next" }));
    buttons.bindKey(["n", "N"], el.next);
    buttons.bindKey(["p", "P"], el.previous);
    el.autoAdvance.addEventListener("change", sendAutoAdvance);
    cueList.init((index) => wiring.send({ type: "cue", index }));
  }

  /**
   * Whether this page shows the panel at all: a controller's page, not a presenter view.
   * @param {boolean} may
   */
  function setAvailable(may) {
    available = may;
    el.toggle.hidden = !may;
    if (!may) setOpen(false, false);
    else if (!toggled && cues.length) setOpen(true, false);
  }

  /**
   * @param {boolean} wanted
   * @param {boolean} byUser  pressed now: on a narrow screen, where the panel is under the digits, show it
   */
  function setOpen(wanted, byUser) {
    open = wanted && available;
    if (!open && el.panel.contains(document.activeElement) && available) el.toggle.focus(); // not lost to <body>
    el.panel.hidden = !open;
    el.toggle.setAttribute("aria-expanded", String(open));
    document.body.toggleAttribute("data-rundown-open", open);
    if (byUser && open && matchMedia("(max-width: 60rem)").matches) {
      el.panel.scrollIntoView({ block: "start" });
    }
  }

  /**
   * The server's rundown, whole: after every change of its cues, its auto-advance or the cue on.
   * @param {RundownMessage} message
   */
  function show(message) {
    const hadCues = cues.length > 0;
    cues = message.cues;
    current = message.current;
    autoAdvance = message.auto_advance;
    reading = { offsetMs: message.offset_ms, serverTime: message.server_time };
    if (!hadCues && cues.length && available && !toggled) setOpen(true, false);
    renderList();
    render();
  }

  /**
   * What a state says of the rundown: the cue on, whether it is the last, and the schedule. A state saying there
   * are no cues (planned_ms 0) empties the list: a rundown removed while this page was away sends no message.
   * Returns whether it did.
   * @param {StateMessage} message
   * @returns {boolean}
   */
  function noteState(message) {
    if (message.planned_ms === undefined) return false; // a server from before rundowns
    const index = message.cue ? message.cue.index : null;
    lastCue = Boolean(message.cue) && !message.next_cue;
    reading = { offsetMs: message.offset_ms ?? null, serverTime: message.server_time };
    const emptied = message.planned_ms === 0 && cues.length > 0;
    if (emptied) cues = [];
    if (index !== current || emptied) {
      current = index;
      renderList();
    }
    render();
    return emptied;
  }

  /** The list (cuelist.js) and the switch, as the rundown is now. */
  function renderList() {
    cueList.show(cues, current);
    el.autoAdvance.checked = autoAdvance;
  }

  /** How far the day is off its plan, right now: on every message, and four times a second. */
  function render() {
    const timer = wiring.getTimer();
    const offset = timer ? schedule.offsetAt(reading, schedule.driftOf(timer, lastCue), wiring.serverNow()) : null;
    el.offset.dataset.kind = schedule.kindOf(offset);
    el.offset.hidden = cues.length === 0;
    setText(el.offset, offset === null ? "not started" : format.formatOffset(offset));
    const count = `${cues.length} ${cues.length === 1 ? "cue" : "cues"}`;
    const planned = cues.reduce((sum, cue) => sum + cue.duration_ms, 0);
    setText(el.summary, cues.length ? `${count} · ${format.formatLength(planned)} planned` : "");
  }

  /**
   * Enable what may be pressed now (controls.offered): Previous, Next, the switch, and the cues.
   * @param {ControlsOffered} offer
   */
  function setOffer(offer) {
    el.previous.disabled = !offer.previous;
    el.next.disabled = !offer.next;
    el.autoAdvance.disabled = !offer.rundown;
    cueList.setEnabled(offer.cue);
  }

  /**
   * The switch sends the cues as they are, with their ids (so nothing else changes), and the new setting; the
   * switch then shows what the server says.
   */
  function sendAutoAdvance() {
    const wanted = el.autoAdvance.checked;
    el.autoAdvance.checked = autoAdvance; // until the server says so, a moment later
    wiring.send({ type: "rundown", cues: cues.map((cue) => ({ ...cue })), auto_advance: wanted });
  }

  TornadoTimer.rundown = {
    init,
    setAvailable,
    show,
    noteState,
    render,
    setOffer,
    get cues() {
      return cues.map((cue) => ({ ...cue }));
    },
    get current() {
      return current;
    },
    get autoAdvance() {
      return autoAdvance;
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
