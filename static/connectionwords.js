// connectionwords.js: the connection in words. The indicator in the bar (its kind, which CSS colours, and its words)
// and the sentence of the problem banner, from the connection's status and what the page knows about the server.
// Pure, no DOM: session.js shows them.

/**
 * The indicator's kind: CSS colours its dot from it, and <body data-connection> carries it.
 * @typedef {"connecting" | "connected" | "reconnecting" | "offline" | "failed"} IndicatorKind
 */

/**
 * What the problem banner is worked out from.
 * @typedef {object} ProblemFacts
 * @property {ConnectionStatus} status  the connection's
 * @property {SocketTarget | null} target  where the page connects
 * @property {Refusal | null} refusal  why the first handshake failed, once the server was asked
 * @property {Role | null} role  this connection's, from its first state
 * @property {boolean} watchOnly  a presenter view, which only watches anyway
 * @property {string | null} versionProblem  the server speaks another protocol version (protocol.versionProblem)
 */

(function (TornadoTimer) {
  "use strict";

  /**
   * [kind, words] for the indicator; kind is what CSS and tests look at.
   * @param {ConnectionStatus} status
   * @param {Role | null} role
   * @param {number} now  clientNow(), to count down to the next attempt
   * @param {boolean} online  navigator.onLine
   * @returns {[IndicatorKind, string]}
   */
  function indicator({ phase, everOpened, retryAt }, role, now, online) {
    if (phase === "connected") return ["connected", role === "viewer" ? "Connected · view only" : "Connected"];
    if (phase === "failed") return ["failed", "Not connected"];
    if (phase === "connecting") return everOpened ? ["reconnecting", "Reconnecting…"] : ["connecting", "Connecting…"];
    const seconds = Math.max(1, Math.ceil(((retryAt ?? now) - now) / 1000)); // waiting for the next attempt
    if (!online) return ["offline", `Offline · retrying in ${seconds} s`];
    return ["reconnecting", `Reconnecting in ${seconds} s`];
  }

  /**
   * The sentence for the problem banner, or null. After a drop the indicator and stale note say enough.
   * @param {ProblemFacts} facts
   * @returns {string | null}
   */
  function problem({ status, target, refusal, role, watchOnly, versionProblem }) {
    if (status.phase === "failed") return `Cannot connect: ${status.problem}.`;
    if (target && !status.everOpened && status.problem && status.phase !== "connected") { // kept during each attempt
      const explained = refusal ? refusalProblem(refusal, target) : null;
      if (explained) return explained;
      // Until the probe answers, the browser can't tell a server that is down from one that refused the handshake.
      const refused = target.hasToken ? " (or it refused this page's token)" : "";
      return `Cannot reach the timer server at ${target.shownUrl}${refused}. Is it running? ` +
        "Start it with: python -m tornado_timer";
    }
    if (role === "viewer" && status.phase === "connected" && !watchOnly) {
      return "View only: this server requires its control link (with ?token=) to start, pause or set timers.";
    }
    return versionProblem;
  }

  /**
   * The problem in words once the probe has said why the handshake failed; null for "nothing answered".
   * @param {Refusal} refusal
   * @param {SocketTarget} to
   * @returns {string | null}
   */
  function refusalProblem(refusal, to) {
    if (refusal.kind === "down") return null;
    const at = `The timer server at ${to.shownUrl}`;
    const fresh = "Ask for a new control link, or remove ?token= from the address to watch.";
    if (refusal.kind === "answered") { // a page of another origin may not read the answer
      return to.hasToken
        ? `${at} is running but refused the connection: most likely this page's control token is wrong. ${fresh}`
        : `${at} is running but refused the connection: it may be full, or not accept pages from this address.`;
    }
    const reason = refusal.reason ? ` (${refusal.reason.replace(/\.$/, "")})` : "";
    if (refusal.status === 403 && to.hasToken) {
      return `${at} refused this page's control token${reason}. ${fresh}`;
    }
    if (refusal.status === 503) return `${at} is full${reason}. The page keeps trying.`;
    // Any other refusal (a Host check behind a proxy, say) in the server's own words.
    const why = refusal.reason ? `: ${refusal.reason.replace(/\.$/, "")}` : "";
    return `${at} answered but refused the connection (HTTP ${refusal.status}${why}). The page keeps trying.`;
  }

  TornadoTimer.connectionWords = { indicator, problem };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
