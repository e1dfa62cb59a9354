// stage.js: what kind of screen this page is, and what that changes. `?view=stage` makes it the presenter view, for a
// projector or a speaker's confidence monitor: the digits, the phase, the rundown's NOW and NEXT (with the note) and
// the message, with no controls, no bar, no footer and no mouse pointer (the connection still reconnects by itself,
// and a stale time is still marked). And a blackout, asked for with the timer's message, blacks out every *viewer*
// screen (a viewer's page, any presenter view) while a controller's own page stays usable: dimmed, with a "Blacked
// out" badge.

(function (TornadoTimer) {
  "use strict";

  const { view } = TornadoTimer;
  const { find } = TornadoTimer.dom;

  /** @type {ViewMode} */
  let mode = "page";
  /** @type {"" | "screen" | "controller"} how the blackout is shown now: not at all, black, or dimmed with a badge */
  let shownBlackout = "";

  /**
   * Present the page as `viewMode` says. The presenter view hides the controls with CSS (body[data-view="stage"])
   * and makes them inert, so that neither a click nor the keyboard can reach them.
   * @param {ViewMode} viewMode
   */
  function init(viewMode) {
    mode = viewMode;
    document.body.dataset.view = mode;
    if (mode !== "stage") return;
    const controls = [".controls", ".setters", "#message-form", "#rundown-panel"];
    for (const selector of ["header", "#share-panel", "#degraded", ...controls, "footer"]) {
      const node = document.querySelector(selector);
      if (node instanceof HTMLElement) node.inert = true;
    }
  }

  /**
   * Show the message's blackout as this screen should: black on a viewer screen (a viewer's page or a presenter view),
   * dimmed with a badge on a controller's page. Said once to screen readers when it changes.
   * @param {boolean} blackout
   * @param {boolean} viewerScreen  this page is a presenter view, or the server made it a viewer
   */
  function showBlackout(blackout, viewerScreen) {
    /** @type {typeof shownBlackout} */
    const next = !blackout ? "" : viewerScreen ? "screen" : "controller";
    if (next === shownBlackout) return;
    const was = shownBlackout;
    shownBlackout = next;
    if (next) document.body.dataset.blackout = next;
    else delete document.body.dataset.blackout;
    find("#blackout-badge", HTMLParagraphElement).hidden = next !== "controller";
    find("#blackout-note", HTMLParagraphElement).hidden = next !== "screen";
    if (next === "screen") view.announce("The screen is blacked out.");
    else if (next === "controller") view.announce("Blacked out: every viewer screen shows black.");
    else if (was) view.announce("Blackout over: the screens show the timer again.");
  }

  TornadoTimer.stage = {
    init,
    showBlackout,
    get isStage() {
      return mode === "stage";
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
