// address.js: which WebSocket this page talks to, worked out from the page's own URL. Pure, no DOM.
//
//   http(s)://host/?timer=NAME       -> ws(s)://host/ws/NAME (the server the page came from)
//   file:///…/index.html             -> ws://localhost:8080/ws (the server's default address)
//   …?server=ws://host:port          -> that server instead; the page adds /ws or /ws/NAME itself
//   …?token=TOKEN                    -> passed on to the socket: the server's control token, which makes this
//                                       page a controller rather than a viewer (the server prints this link)
(function (TornadoTimer) {
  "use strict";

  const FILE_PAGE_SERVER = "ws://localhost:8080";
  const TIMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
  const DEFAULT_TIMER = "default";

  /** `?server=` must be just an address, like ws://localhost:8080. Returns { server } or { error }. */
  function parseServer(value, pageProtocol) {
    const example = "an address like ws://localhost:8080";
    let url;
    try {
      url = new URL(value);
    } catch {
      return { error: `?server=${value} is not a server address: give ${example}.` };
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      return { error: `?server=${value} must start with ws:// or wss:// (${example}).` };
    }
    if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
      return { error: `?server=${value} should be only the server's address (${example}); the page adds /ws.` };
    }
    // Browsers refuse an unencrypted socket from an https page; say so instead of failing silently.
    if (pageProtocol === "https:" && url.protocol === "ws:") {
      return { error: `This page was loaded over https, so it can only connect to wss://, not ?server=${value}.` };
    }
    return { server: `${url.protocol}//${url.host}` };
  }

  /** The server a page at `page` (a URL) connects to when no ?server= is given. */
  function defaultServer(page) {
    if (page.protocol === "https:") return `wss://${page.host}`;
    if (page.protocol === "http:") return `ws://${page.host}`;
    return FILE_PAGE_SERVER; // file: and anything else has no server of its own
  }

  /**
   * Everything about where to connect, from the page's URL (a string, e.g. location.href).
   * Returns { url, shownUrl, server, timerName, hasToken } or { error } with a sentence to show the user.
   * shownUrl is url without the token, for the page to display.
   */
  function socketAddress(pageHref) {
    const page = new URL(pageHref);
    const params = page.searchParams;

    const timerName = params.get("timer") || DEFAULT_TIMER;
    if (!TIMER_NAME.test(timerName)) {
      return { error: `?timer=${timerName} is not a timer name: use 1 to 64 letters, digits, "_" or "-".` };
    }

    let server = defaultServer(page);
    if (params.has("server")) {
      const parsed = parseServer(params.get("server"), page.protocol);
      if (parsed.error) return parsed;
      server = parsed.server;
    }

    const path = timerName === DEFAULT_TIMER ? "/ws" : `/ws/${timerName}`;
    const shownUrl = server + path;
    const token = params.get("token");
    const url = token ? `${shownUrl}?token=${encodeURIComponent(token)}` : shownUrl;
    return { url, shownUrl, server, timerName, hasToken: Boolean(token) };
  }

  TornadoTimer.address = { socketAddress, parseServer, FILE_PAGE_SERVER };
})((globalThis.TornadoTimer ??= {}));
