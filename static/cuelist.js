// cuelist.js: the list of cues in the rundown panel. Each cue is a button with its number, title, note and length;
// the cue on is marked (aria-current, a "Now" badge, an outline), the next one has a "Next" badge, those before it
// are greyed. A click loads the cue, except the one on (loading it again would only reset it: Reset says so more
// plainly). Titles and notes come from the network and are set with textContent only.

(function (TornadoTimer) {
  "use strict";

  const { format } = TornadoTimer;
  const { find } = TornadoTimer.dom;

  /** @type {{ list: HTMLOListElement, empty: HTMLParagraphElement }} */
  let el; // set by init()
  /** @type {number | null} the index of the cue on */
  let current = null;
  let enabled = false;

  /**
   * Find the list; `pick(index)` is called when a cue is clicked to be loaded.
   * @param {(index: number) => void} pick
   */
  function init(pick) {
    el = { list: find("#cue-list", HTMLOListElement), empty: find("#rundown-empty", HTMLParagraphElement) };
    el.list.addEventListener("click", (event) => {
      const row = event.target instanceof Element ? event.target.closest("button.cue-row") : null;
      if (!(row instanceof HTMLButtonElement) || row.disabled) return;
      const index = Number(row.dataset.index);
      if (index !== current) pick(index);
    });
  }

  /**
   * The cues, with the one on marked: written anew (a rundown changes rarely, and has at most 200 cues).
   * @param {readonly Cue[]} cues
   * @param {number | null} on
   */
  function show(cues, on) {
    current = on;
    el.list.replaceChildren(...cues.map(cueItem));
    el.list.hidden = cues.length === 0;
    el.empty.hidden = cues.length > 0;
    const onRow = current === null ? null : el.list.children[current];
    if (onRow instanceof HTMLElement) keepInView(onRow);
    setEnabled(enabled);
  }

  /**
   * One cue: a button that loads it, with a badge on the cue on and the next one.
   * @param {Cue} cue
   * @param {number} index
   */
  function cueItem(cue, index) {
    const item = document.createElement("li");
    const place = current === null || index > current ? "later" : index < current ? "done" : "now";
    const isNext = current !== null && index === current + 1;
    item.className = "cue-item";
    item.dataset.place = isNext ? "next" : place;
    const row = document.createElement("button");
    row.type = "button";
    row.className = "cue-row";
    row.dataset.index = String(index);
    if (place === "now") {
      row.setAttribute("aria-current", "true");
      row.title = "On now (Reset starts it again)";
    }
    const badge = place === "now" ? "Now" : isNext ? "Next" : "";
    const text = span("cue-text", "", badge ? span("cue-badge", badge) : "", span("cue-name", cue.title));
    if (cue.note) text.append(span("cue-note", cue.note));
    row.append(span("cue-number", String(index + 1)), text, span("cue-length", format.formatLength(cue.duration_ms)));
    item.append(row);
    return item;
  }

  /**
   * @param {string} className
   * @param {string} text
   * @param {...(Node | string)} children
   */
  function span(className, text, ...children) {
    const node = document.createElement("span");
    node.className = className;
    node.textContent = text; // text, never HTML
    node.append(...children);
    return node;
  }

  /**
   * Scroll the list (not the page) so that `row` shows.
   * @param {HTMLElement} row
   */
  function keepInView(row) {
    const list = el.list;
    if (row.offsetTop < list.scrollTop) list.scrollTop = row.offsetTop;
    else if (row.offsetTop + row.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = row.offsetTop + row.offsetHeight - list.clientHeight;
    }
  }

  /**
   * Whether a cue may be loaded now (connected, as a controller, the server allowing `cue`). The list stays
   * readable either way.
   * @param {boolean} may
   */
  function setEnabled(may) {
    enabled = may;
    for (const row of el.list.querySelectorAll("button")) {
      row.disabled = !may;
      row.setAttribute("aria-disabled", String(!may || row.hasAttribute("aria-current")));
    }
  }

  TornadoTimer.cueList = { init, show, setEnabled };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
