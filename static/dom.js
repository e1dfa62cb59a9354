// dom.js: the two helpers every file that shows something uses. Elements are found once and must be what index.html
// says they are; text is written with textContent only, so nothing received from the network is ever parsed as HTML.

(function (TornadoTimer) {
  "use strict";

  /**
   * The element `selector` finds, which must be a `type`: index.html and the scripts belong together.
   * @template {Element} T
   * @param {string} selector
   * @param {{ new (): T }} type
   * @returns {T}
   */
  function find(selector, type) {
    const node = document.querySelector(selector);
    if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} ${selector}`);
    return node;
  }

  /**
   * Write text only when it changed: cheap to call every frame.
   * @param {HTMLElement} node
   * @param {string} text
   */
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  TornadoTimer.dom = { find, setText };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
