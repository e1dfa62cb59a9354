// address.js: which WebSocket this page talks to, worked out from the page's own URL. Pure, no DOM.
//
//   http(s)://host/?timer=NAME       -> ws(s)://host/ws/NAME (the server the page came from)
//   https://hub/user/ann/proxy/8080/ -> wss://hub/user/ann/proxy/8080/ws: behind a proxy that serves the page
//                                       under a path (Jupyter's, a reverse proxy's /timer/), the path is kept
//   file:///…/index.html             -> ws://localhost:8080/ws (the server's default address)
//   …?server=ws://host:port          -> that server instead; the page adds /ws or /ws/NAME itself (after the
//                                       path, if the address has one: ?server=wss://example.org/timer/)
//   …?token=TOKEN                    -> passed on to the socket: the server's control token, which makes this
//                                       page a controller rather than a viewer (the server prints this link)
//   …?view=stage                     -> the presenter view (viewMode): digits, phase and message only
//
// shareLinks() works the other way round: the links that open this same timer on another screen; stageLink() turns
// one of them into the presenter view's.

/**
 * Where the page connects. `url` may carry the token; `shownUrl` never does (it is what the page displays).
 * @typedef {object} SocketTarget
 * @property {string} url
 * @property {string} shownUrl
 * @property {string} server  "ws://host:port", "wss://host" or "wss://host/path" (a proxy's): /ws is added to it
 * @property {string} timerName
 * @property {boolean} hasToken
 */

/**
 * How a page presents the timer: "page" (everything, controls included) or "stage" (the presenter view: digits,
 * phase and message only, for a projector or a confidence monitor).
 * @typedef {"page" | "stage"} ViewMode
 */

/**
 * The links that open this timer on another screen (see shareLinks).
 * @typedef {{ view: string, control: string | null, loopback: boolean }} ShareLinks
 */

(function (TornadoTimer) {
  "use strict";

  const FILE_PAGE_SERVER = "ws://localhost:8080";
  const TIMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
  const DEFAULT_TIMER = "default";

  /**
   * The folder part of a URL path, without its last slash: "/user/ann/proxy/8080/" -> "/user/ann/proxy/8080",
   * "/timer/index.html" -> "/timer", "/" -> "". A server's paths (/ws, the page) hang off it.
   * @param {string} pathname
   * @returns {string}
   */
  function folderOf(pathname) {
    return pathname.slice(0, pathname.lastIndexOf("/") + 1).replace(/\/+$/, "");
  }

  /**
   * `?server=` must be just an address, like ws://localhost:8080, or one with the path a proxy serves the server
   * under, like wss://example.org/timer/. Returns { server } or { error }.
   * @param {string} value
   * @param {string} pageProtocol  the page's own, e.g. "https:"
   * @returns {{ server: string } | { error: string }}
   */
  function parseServer(value, pageProtocol) {
    const example = "an address like ws://localhost:8080 or wss://example.org/timer/";
    let url;
    try {
      url = new URL(value);
    } catch {
      return { error: `?server=${value} is not a server address: give ${example}.` };
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      return { error: `?server=${value} must start with ws:// or wss:// (${example}).` };
    }
    const path = url.pathname.replace(/\/+$/, "");
    if (/(^|\/)ws$/.test(path) || url.search || url.hash || url.username || url.password) {
      return { error: `?server=${value} should be only the server's address (${example}); the page adds /ws.` };
    }
    // Browsers refuse an unencrypted socket from an https page; say so instead of failing silently.
    if (pageProtocol === "https:" && url.protocol === "ws:") {
      return { error: `This page was loaded over https, so it can only connect to wss://, not ?server=${value}.` };
    }
    return { server: `${url.protocol}//${url.host}${path}` };
  }

  /**
   * The server a page at `page` connects to when no ?server= is given: the one that served it, under the same
   * path (a proxy may serve it at https://hub/user/ann/proxy/8080/ or https://example.org/timer/).
   * @param {URL} page
   * @returns {string}
   */
  function defaultServer(page) {
    if (page.protocol === "https:") return `wss://${page.host}${folderOf(page.pathname)}`;
    if (page.protocol === "http:") return `ws://${page.host}${folderOf(page.pathname)}`;
    return FILE_PAGE_SERVER; // file: and anything else has no server of its own
  }

  /**
   * Everything about where to connect, from the page's URL (a string, e.g. location.href).
   * Returns { url, shownUrl, server, timerName, hasToken } or { error } with a sentence to show the user.
   * shownUrl is url without the token, for the page to display.
   * @param {string} pageHref
   * @returns {SocketTarget | { error: string }}
   */
  function socketAddress(pageHref) {
    const page = new URL(pageHref);
    const params = page.searchParams;

    const timerName = params.get("timer") || DEFAULT_TIMER;
    if (!TIMER_NAME.test(timerName)) {
      return { error: `?timer=${timerName} is not a timer name: use 1 to 64 letters, digits, "_" or "-".` };
    }

    let server = defaultServer(page);
    const serverParam = params.get("server");
    if (serverParam !== null) {
      const parsed = parseServer(serverParam, page.protocol);
      if ("error" in parsed) return parsed;
      server = parsed.server;
    }

    const path = timerName === DEFAULT_TIMER ? "/ws" : `/ws/${timerName}`;
    const shownUrl = server + path;
    const token = params.get("token");
    const url = token ? `${shownUrl}?token=${encodeURIComponent(token)}` : shownUrl;
    return { url, shownUrl, server, timerName, hasToken: Boolean(token) };
  }

  const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

  /**
   * The links that open this timer, on this server, on another screen: { view, control, loopback } or null when
   * the page's URL is not valid. `view` carries no token; `control` is `view` with the page's ?token= (null
   * without one). A page served over http(s) links to itself (under the proxy's path, if it has one); a page
   * opened from disk has no address another device could open, so its links point at the server's own page
   * (http:// for ws://, https:// for wss://, with the server's path).
   * `loopback` says the links name this computer (localhost), which another device cannot reach.
   * @param {string} pageHref
   * @returns {ShareLinks | null}
   */
  function shareLinks(pageHref) {
    const target = socketAddress(pageHref);
    if ("error" in target) return null;
    const page = new URL(pageHref);
    const served = page.protocol === "http:" || page.protocol === "https:";
    const base = served ? page.origin + page.pathname : `${target.server.replace(/^ws/, "http")}/`;
    const query = [];
    if (target.timerName !== DEFAULT_TIMER) query.push(`timer=${target.timerName}`); // only [A-Za-z0-9_-]
    if (served && page.searchParams.has("server")) query.push(`server=${target.server}`); // ":" and "/" are fine
    const view = query.length ? `${base}?${query.join("&")}` : base;
    const token = page.searchParams.get("token");
    const control = token ? `${view}${query.length ? "&" : "?"}token=${encodeURIComponent(token)}` : null;
    return { view, control, loopback: LOOPBACK_HOST.test(new URL(view).hostname) };
  }

  /**
   * How the page at `pageHref` presents the timer: `?view=stage` is the presenter view; anything else is the page.
   * @param {string} pageHref
   * @returns {ViewMode}
   */
  function viewMode(pageHref) {
    return new URL(pageHref).searchParams.get("view") === "stage" ? "stage" : "page";
  }

  /**
   * The presenter view of the link `link` (one of shareLinks'): the same address with `view=stage` added.
   * @param {string} link
   * @returns {string}
   */
  function stageLink(link) {
    return `${link}${new URL(link).search ? "&" : "?"}view=stage`; // shareLinks' links have no #fragment
  }

  TornadoTimer.address = { socketAddress, parseServer, shareLinks, viewMode, stageLink, FILE_PAGE_SERVER };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
