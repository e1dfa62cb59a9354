// message.js: the timer's message, shown large on every screen of the timer, and the controllers' message box that
// changes it. The text comes from the network and is only ever set with textContent: "<script>" is shown as those
// eight characters, never run. (Blackout, the message's fourth field, is shown by stage.js: what it does depends on
// the kind of screen.)

/**
 * A change of the message, as the `message` command sends it: any non-empty subset of the four fields.
 * @typedef {{ text?: string, visible?: boolean, blink?: boolean, blackout?: boolean }} MessageUpdate
 */

(function (TornadoTimer) {
  "use strict";

  const { view } = TornadoTimer;
  const { find } = TornadoTimer.dom;

  /** @type {Readonly<TimerMessage>} what a timer without a message (or a server from before messages) has */
  const NO_MESSAGE = Object.freeze({ text: "", visible: false, blink: false, blackout: false });
  const MAX_TEXT = 500;
  // Longer texts are set smaller, so that a long message still fits beside the digits.
  const SIZES = [
    { upTo: 40, size: "large" },
    { upTo: 120, size: "medium" },
  ];

  function findElements() {
    const Button = HTMLButtonElement;
    return {
      shown: find("#message", HTMLParagraphElement),
      form: find("#message-form", HTMLFormElement),
      text: find("#message-text", HTMLInputElement),
      show: find("#message-show", Button),
      hide: find("#message-hide", Button),
      blink: find("#message-blink", Button),
      blackout: find("#message-blackout", Button),
      state: find("#message-state", HTMLParagraphElement),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()
  /** @type {TimerMessage} the message as the server last said */
  let current = { ...NO_MESSAGE };
  let known = false; // whether the server has said anything yet (the first message is not announced)
  let enabled = false;
  /** @type {(update: MessageUpdate) => void} */
  let sendUpdate = () => {};

  /**
   * Find the elements and wire the message box: every button sends a partial update through `send`.
   * @param {(update: MessageUpdate) => void} send
   */
  function init(send) {
    el = findElements();
    sendUpdate = send;
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = el.text.value.trim();
      if (!text) {
        view.toast("Type a message first: an empty one shows nothing.");
        el.text.focus();
        return;
      }
      sendUpdate({ text: text.slice(0, MAX_TEXT), visible: true });
    });
    el.hide.addEventListener("click", () => sendUpdate({ visible: false }));
    el.blink.addEventListener("click", () => sendUpdate({ blink: !current.blink }));
    el.blackout.addEventListener("click", () => sendUpdate({ blackout: !current.blackout }));
  }

  /**
   * The message as the server says it is now (a `state`'s, or a `message` message's): on the screen, in the box,
   * and said to screen readers when it changes.
   * @param {TimerMessage | undefined} message  undefined from a server from before messages
   */
  function show(message) {
    const next = { ...NO_MESSAGE, ...message };
    const previous = current;
    current = next;
    const visible = next.visible && next.text !== "";
    if (el.shown.textContent !== next.text) el.shown.textContent = next.text; // text, never HTML
    el.shown.hidden = !visible;
    el.shown.dataset.size = SIZES.find(({ upTo }) => next.text.length <= upTo)?.size ?? "small";
    document.body.dataset.message = visible ? "shown" : "hidden";
    document.body.toggleAttribute("data-message-blink", visible && next.blink);

    // The box follows the server unless the user is editing it (focused, or changed from what the server said).
    if (document.activeElement !== el.text && el.text.value.trim() === previous.text) el.text.value = next.text;
    refreshBox();
    if (known) announceChange(previous, next);
    known = true;
  }

  /** @param {TimerMessage} previous @param {TimerMessage} next */
  function announceChange(previous, next) {
    const wasVisible = previous.visible && previous.text !== "";
    const visible = next.visible && next.text !== "";
    if (visible && (!wasVisible || previous.text !== next.text)) view.announce(`Message: ${next.text}`);
    else if (wasVisible && !visible) view.announce("Message hidden.");
  }

  /**
   * Whether this page may change the message now (connected, as a controller, the server allowing `message`).
   * @param {boolean} may
   */
  function setEnabled(may) {
    enabled = may;
    refreshBox();
  }

  /** The box's buttons: what may be pressed, and the toggles' state. */
  function refreshBox() {
    el.text.disabled = !enabled;
    el.show.disabled = !enabled;
    el.hide.disabled = !(enabled && current.visible);
    el.blink.disabled = !enabled;
    el.blackout.disabled = !enabled;
    el.blink.setAttribute("aria-pressed", String(current.blink));
    el.blackout.setAttribute("aria-pressed", String(current.blackout));
    const state = [
      current.text === "" ? "No message" : current.visible ? "Shown on every screen" : "Not shown",
      current.text !== "" && current.blink ? "blinking" : "",
    ].filter(Boolean);
    const blackout = current.blackout ? " The viewers' screens are blacked out." : "";
    const text = `${state.join(", ")}.${blackout}`;
    if (el.state.textContent !== text) el.state.textContent = text;
  }

  TornadoTimer.message = {
    init,
    show,
    setEnabled,
    NO_MESSAGE,
    get current() {
      return { ...current };
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
