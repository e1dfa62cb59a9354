// The Node.js peer: the `ws` library sending the same tick on the same grid as ours.
//
//     node benchmarks/fanout/peer_ws.mjs --interval 0.1 [--port 0]
//
// One timer, ticking every `interval` seconds on its own grid (tick k at start + k x interval, re-armed from the
// clock), the tick built once and sent to every open client with `ws`'s `send` (which frames it per client, as
// its documented broadcast does). A `state` on connecting; any message bumps the version and sends a new `state`
// to everyone (the control probe). Compression off, as on ours. Prints the same "serving ... (WebSocket ...)" line.
import { WebSocketServer, WebSocket } from "ws";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (i % 2 === 0 ? [...pairs, [arg, all[i + 1]]] : pairs), []),
);
const interval = Number(args["--interval"] ?? 1);
const server = new WebSocketServer({ host: "127.0.0.1", port: Number(args["--port"] ?? 0), perMessageDeflate: false });
const started = performance.now();
const startedWall = Date.now();
let version = 1;
let nextSeq = 1;

function state() {
  return JSON.stringify({
    type: "state", protocol: 1, server_time: Date.now(),
    timer: {
      name: "default", mode: "stopwatch", status: "running", duration_ms: null,
      elapsed_ms: Math.round(performance.now() - started), remaining_ms: null, interval_ms: Math.round(interval * 1000),
      initial_ms: 0, version, started_at: startedWall,
    },
  });
}

function broadcast(text) {
  for (const client of server.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(text);
  }
}

function tick() {
  const now = performance.now();
  const seq = Math.max(nextSeq, Math.floor((now - started) / 1000 / interval));
  broadcast(JSON.stringify({
    type: "tick", timer: "default", seq, elapsed_ms: Math.round(now - started), remaining_ms: null,
    status: "running", server_time: Date.now(),
  }));
  nextSeq = seq + 1;
  setTimeout(tick, Math.max(0, started + nextSeq * interval * 1000 - performance.now()));
}

server.on("connection", (socket) => {
  socket.send(state());
  socket.on("message", () => {
    version += 1;
    broadcast(state());
  });
  socket.on("error", () => {});
});
server.on("listening", () => {
  const { port } = server.address();
  console.log(`ws peer: serving http://127.0.0.1:${port}/ (WebSocket ws://127.0.0.1:${port}/ws)`);
  setTimeout(tick, interval * 1000);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
