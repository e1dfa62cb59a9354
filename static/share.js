// share.js: the Share panel. A disclosure (a button with aria-expanded that shows a panel right after it) with the
// view-only link, the presenter view's (stage) link, and for a controller that came with a token the control link,
// each with a Copy button.
// Like every file that shows something it writes only textContent (dom.js): the control link is the one place the
// token is ever shown.
(function (TornadoTimer) {
  "use strict";

  const { view, address } = TornadoTimer;
  const { find, setText } = TornadoTimer.dom;
  const COPIED_MS = 2000;

  /**
   * The element with this id: index.html and this file belong together.
   * @param {string} id
   * @returns {HTMLElement}
   */
  const byId = (id) => find(`#${id}`, HTMLElement);

  function findElements() {
    return {
      toggle: byId("share-toggle"),
      panel: byId("share-panel"),
      viewLabel: byId("share-view-label"),
      viewWhat: byId("share-view-what"),
      viewUrl: byId("share-view-url"),
      viewNote: byId("share-view-note"),
      stage: byId("share-stage"),
      stageUrl: byId("share-stage-url"),
      control: byId("share-control"),
      controlUrl: byId("share-control-url"),
      loopback: byId("share-loopback"),
      status: byId("share-copy-status"),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()

  /** @type {WeakMap<HTMLButtonElement, number>} each Copy button's pending "Copied" -> "Copy" */
  const copiedTimers = new WeakMap();

  function init() {
    el = findElements();
    el.toggle.addEventListener("click", () => setOpen(Boolean(el.panel.hidden))); // hidden may be "until-found"
    for (const button of el.panel.querySelectorAll("button[data-copy]")) {
      if (!(button instanceof HTMLButtonElement)) continue;
      const source = byId(button.dataset.copy ?? "");
      button.addEventListener("click", () => copy(button, source));
    }
    // Escape closes the panel from anywhere in it (or from its button) and hands the focus back to the button.
    for (const node of [el.toggle, el.panel]) {
      node.addEventListener("keydown", (event) => {
        if (event.key !== "Escape" || el.panel.hidden) return;
        event.preventDefault();
        setOpen(false);
        el.toggle.focus();
      });
    }
  }

  /** @param {boolean} open */
  function setOpen(open) {
    el.panel.hidden = !open;
    el.toggle.setAttribute("aria-expanded", String(open));
    if (!open) el.status.textContent = "";
  }

  /**
   * No valid address, nothing to share: the button goes away.
   * @param {boolean} available
   */
  function setAvailable(available) {
    el.toggle.hidden = !available;
    if (!available) setOpen(false);
  }

  /**
   * links: { view, control, loopback } from address.shareLinks; role: the last role the server gave this page
   * (null before the first state). The control link is offered only to a controller that holds a token: without
   * a token there is none to share.
   * @param {ShareLinks} links
   * @param {Role | null} role
   */
  function show(links, role) {
    const controlLink = role === "controller" ? links.control : null;
    // With no control token on the server everyone controls, so the plain link is not view-only: say so.
    const everyoneControls = role === "controller" && !links.control;
    const viewOnly = role === "viewer" || controlLink !== null;
    setText(el.viewLabel, viewOnly ? "View-only link" : "Link to this timer");
    setText(el.viewWhat, viewOnly ? " view-only link" : " link to this timer");
    setText(el.viewUrl, links.view);
    setText(
      el.viewNote,
      everyoneControls
        ? "This server has no control token, so anyone who opens this link can control the timer too. " +
            "Start the server with --control-token to share view-only links."
        : "",
    );
    el.viewNote.hidden = !everyoneControls;
    setText(el.stageUrl, address.stageLink(links.view)); // never with the token: a stage view only watches
    el.control.hidden = controlLink === null;
    setText(el.controlUrl, controlLink || "");
    el.loopback.hidden = !links.loopback;
  }

  /**
   * The clipboard when the browser offers it (secure contexts: https, localhost, file), else select the text.
   * @param {HTMLButtonElement} button
   * @param {HTMLElement} source  the element whose text is the link
   */
  async function copy(button, source) {
    const text = source.textContent ?? "";
    const what = el.control.contains(source) ? "Control link" : el.stage.contains(source) ? "Stage view link" : "Link";
    if (navigator.clipboard && navigator.clipboard.writeText) {
      try {
        await navigator.clipboard.writeText(text);
        report(`${what} copied.`);
        flash(button);
        return;
      } catch {
        // Refused (no permission, page not focused): fall back to selecting it.
      }
    }
    const selection = window.getSelection();
    if (selection) selection.selectAllChildren(source);
    report(`${what} selected: press Ctrl+C (⌘C on a Mac) to copy it.`);
  }

  /** @param {string} text */
  function report(text) {
    el.status.textContent = text;
    view.announce(text);
  }

  /** @param {HTMLButtonElement} button */
  function flash(button) {
    const word = button.querySelector(".copy-word");
    if (!word) return;
    word.textContent = "Copied";
    clearTimeout(copiedTimers.get(button));
    copiedTimers.set(button, setTimeout(() => (word.textContent = "Copy"), COPIED_MS));
  }

  TornadoTimer.share = { init, show, setOpen, setAvailable };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
