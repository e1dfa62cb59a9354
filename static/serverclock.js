// serverclock.js: this page's estimate of the server's clock, kept fresh. A burst of pings right after connecting
// (and when the tab wakes up), one at a time; the heartbeat (connection.js) adds one every few seconds; every message's
// server_time bounds the offset from below. clock.js's ClockSync does the arithmetic; the footer shows the round trip
// and the offset.

(function (TornadoTimer) {
  "use strict";

  const { clock, format, view } = TornadoTimer;

  const SYNC_SAMPLES = 5; // ping/pongs right after connecting; the heartbeat adds one every few seconds

  const sync = new clock.ClockSync();
  let pingsLeft = 0;
  /** @type {() => boolean} sends a ping, and says whether it could */
  let ping = () => false;

  /**
   * How to ping the server (the Connection's ping, once there is one).
   * @param {() => boolean} sendPing
   */
  function init(sendPing) {
    ping = sendPing;
  }

  /** Start a fresh burst of samples (after connecting, or when the tab wakes up): old ones may be wrong now. */
  function resync() {
    sync.reset();
    pingsLeft = SYNC_SAMPLES - 1;
    ping();
  }

  /**
   * A pong: one more sample, the readout, and the burst's next ping (pings sent together would queue behind each
   * other and spoil each other's round trip).
   * @param {PongMessage} message
   * @param {number} receivedAt  clientNow() when it arrived
   */
  function onPong(message, receivedAt) {
    sync.addSample(message.client_time, message.server_time, receivedAt);
    view.showSync(format.formatMs(sync.rtt), format.formatMs(sync.offset, { signed: true }));
    if (pingsLeft > 0) {
      pingsLeft -= 1;
      ping();
    }
  }

  /**
   * Any message's server_time: the server's clock read at least that when this page's read `receivedAt`.
   * @param {number} serverTime
   * @param {number} receivedAt
   */
  function noteServerTime(serverTime, receivedAt) {
    sync.noteServerTime(serverTime, receivedAt);
  }

  TornadoTimer.serverClock = {
    init,
    resync,
    onPong,
    noteServerTime,
    /** serverTime ≈ clientNow() + offset */
    get offset() {
      return sync.offset;
    },
    /** The estimate as TornadoTimer.app shows it: the offset, the best round trip, how many samples it rests on. */
    get reading() {
      return { offset: sync.offset, rtt: sync.rtt, samples: sync.samples.length };
    },
  };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
