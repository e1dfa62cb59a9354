// view.js: the page around the timer. The connection's indicator, the stale marking, the problem banner and the
// degraded notice; the footer's address and clock sync; the tab's title; and the two ways the page speaks up, the
// screen readers' announcements and the toast. With textContent, attributes and classes only (dom.js), like every
// file that shows something: the timer itself is clockface.js's, its controls buttons.js's and countdownform.js's,
// the Share panel share.js's, the message message.js's and the kind of screen stage.js's.

(function (TornadoTimer) {
  "use strict";

  const { find, setText } = TornadoTimer.dom;

  /** The elements this file shows things in, found once (scripts are `defer`red, so the DOM is ready). */
  function findElements() {
    const [P, Span, Div] = [HTMLParagraphElement, HTMLSpanElement, HTMLDivElement];
    return {
      body: document.body,
      staleNote: find("#stale-note", P),
      connection: find("#connection", P),
      connectionText: find("#connection-text", Span),
      problem: find("#problem", Div),
      degraded: find("#degraded", Div),
      degradedDetail: find("#degraded-detail", P),
      sync: find("#sync", P),
      server: find("#server-url", Span),
      rtt: find("#rtt", Span),
      offset: find("#offset", Span),
      toast: find("#toast", Div),
      announcer: find("#announcer", Div),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init(), which app.js calls first

  function init() {
    el = findElements();
  }

  /**
   * The indicator; CSS colours its dot from `kind`.
   * @param {IndicatorKind} kind
   * @param {string} text
   */
  function showConnection(kind, text) {
    el.body.dataset.connection = kind;
    el.connection.dataset.kind = kind;
    setText(el.connectionText, text);
  }

  /**
   * While disconnected the digits are dimmed and labelled: they may no longer be true.
   * @param {boolean} stale
   */
  function showStale(stale) {
    el.body.toggleAttribute("data-stale", stale);
    el.staleNote.hidden = !stale;
  }

  /**
   * A lasting problem the user has to act on (a bad address, a server that can't be reached); null for none.
   * @param {string | null} text
   */
  function showProblem(text) {
    setText(el.problem, text || "");
    el.problem.hidden = !text;
  }

  /**
   * The server's own trouble (it cannot reach its shared store): a calm notice, not an alarm, since the time shown
   * stays right and commands come back by themselves. `message` is the server's words, shown as text.
   * @param {boolean} degraded
   * @param {string} message
   */
  function showDegraded(degraded, message) {
    el.body.toggleAttribute("data-degraded", degraded);
    el.degraded.hidden = !degraded;
    const detail = message
      ? `The server says: ${message.replace(/\.?$/, ".")}`
      : "Its shared timer store is unreachable.";
    setText(el.degradedDetail, degraded ? detail : "");
  }

  /**
   * The socket's address in the footer; null hides the line (there is no valid address).
   * @param {string | null} url
   */
  function showServer(url) {
    el.sync.hidden = url === null;
    setText(el.server, url || "");
    el.server.dataset.url = url || "";
  }

  /**
   * The clock sync's readout in the footer.
   * @param {string} rttText
   * @param {string} offsetText
   */
  function showSync(rttText, offsetText) {
    setText(el.rtt, rttText);
    setText(el.offset, offsetText);
  }

  /** @param {string} title */
  function setTitle(title) {
    if (document.title !== title) document.title = title;
  }

  /** @type {string[]} what is to be said next; several things said at once are said together */
  let toAnnounce = [];

  /**
   * Polite announcement for screen readers: status changes only, never every tick. Things said within the same
   * moment are said together, in order, rather than the last one alone.
   * @param {string} text
   */
  function announce(text) {
    // Clearing first makes a repeated message ("Paused") be announced again.
    el.announcer.textContent = "";
    toAnnounce.push(text);
    if (toAnnounce.length > 1) return; // already scheduled
    setTimeout(() => {
      el.announcer.textContent = toAnnounce.join(" ");
      toAnnounce = [];
    }, 50);
  }

  /** @type {number | undefined} */
  let toastTimer;
  /**
   * A brief message (an error from the server, a rejected input); it fades after a few seconds.
   * @param {string} text
   * @param {number} [ms]
   */
  function toast(text, ms = 5000) {
    el.toast.textContent = text;
    el.toast.classList.add("visible");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.toast.classList.remove("visible"), ms);
  }

  TornadoTimer.view = {
    init,
    showConnection,
    showStale,
    showProblem,
    showDegraded,
    showServer,
    showSync,
    setTitle,
    announce,
    toast,
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
