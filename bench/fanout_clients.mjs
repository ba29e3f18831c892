// Many screens and phones in one process: socket.io-client websockets (the browser's own client library),
// each subscribed as bench/fanout.py asks, recording when every ticket_called arrives (wall clock, ms).
// A phone does what kiosk/static/ticket.js does with what it hears: it takes its place from the
// ticket_place the server sends (counted). With ASKING=1 it does what the page did before
// loket/places.py: on each queue_changed of its lines it asks for its ticket again
// (GET /api/tickets/<token>) once the burst settles (0.8–1.5 s); the requests and their times are counted.
// Usage: node bench/fanout_clients.mjs URL SUBS.json OUT.json [ASKING] — prints {"ready": …} when every client has
// its snapshot; after a line on stdin writes {"arrivals": [[sub, ticket_id, ms], …], …} to OUT.json (a pipe
// would cut a long line when the process exits), prints "done" and exits.
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [url, file, out, asking] = [process.argv[2], process.argv[3], process.argv[4], process.argv[5] === "1"];
const subs = JSON.parse(readFileSync(file, "utf8"));
// Arrivals in typed arrays, not an array per message: 100,000 small arrays kept to the end filled the
// old generation, and its full collections (every 3–6 s, --trace-gc) held every client ~100 ms, the
// largest latencies measured. A browser holds one screen's arrivals, not 5,000 screens'.
const CHUNK = 1 << 20;
const arrivalChunks = [];
let arrivalCount = 0;
function arrived(sub, ticketId, ms) {
  const at = arrivalCount % CHUNK;
  if (at === 0) arrivalChunks.push({ sub: new Int32Array(CHUNK), ticket: new Int32Array(CHUNK), ms: new Float64Array(CHUNK) });
  const chunk = arrivalChunks[arrivalChunks.length - 1];
  chunk.sub[at] = sub;
  chunk.ticket[at] = ticketId;
  chunk.ms[at] = ms;
  arrivalCount++;
}
function arrivalList() {
  const list = [];
  for (let n = 0; n < arrivalCount; n++) {
    const chunk = arrivalChunks[Math.floor(n / CHUNK)];
    const at = n % CHUNK;
    list.push([chunk.sub[at], chunk.ticket[at], chunk.ms[at]]);
  }
  return list;
}
const sockets = [];
let snapshots = 0;
let failed = 0;
let calling = false; // refreshes are counted from the first call on (the connecting phase is not the mix)
const refreshes = []; // ms each refresh took
let refreshErrors = 0;
let placesPushed = 0; // ticket_changed messages that carried a waiting ticket's new place

async function refresh(token) {
  const t0 = Date.now();
  try {
    const r = await fetch(`${url}/api/tickets/${encodeURIComponent(token)}`);
    await r.arrayBuffer();
    if (!r.ok) refreshErrors++;
  } catch {
    refreshErrors++;
  }
  if (calling) refreshes.push(Date.now() - t0);
}
const BATCH = 100;

function connect(i) {
  return new Promise((resolve) => {
    const socket = io(url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 60000,
      // Every browser inflates its own messages; ws's default lets the whole process inflate 10 at a
      // time, which for 5,000 sockets in one process measured the queue at that limit, not the server.
      perMessageDeflate: { threshold: 1024, concurrencyLimit: 10000 },
    });
    let counted = false;
    socket.on("connect", () => socket.emit("subscribe", subs[i]));
    socket.on("snapshot", () => {
      if (!counted) {
        counted = true;
        snapshots++;
        resolve();
      }
    });
    socket.on("connect_error", () => {
      failed++;
      resolve();
    });
    socket.on("ticket_called", (data) => {
      calling = true;
      arrived(i, data.ticket_id, Date.now());
    });
    if (subs[i].room === "ticket") {
      let timer = null;
      if (asking) {
        socket.on("queue_changed", () => {
          clearTimeout(timer);
          timer = setTimeout(() => refresh(subs[i].token), 800 + Math.random() * 700);
        });
      }
      socket.on("ticket_place", () => {
        if (calling) placesPushed++;
      });
    }
    sockets.push(socket);
  });
}

for (let start = 0; start < subs.length; start += BATCH) {
  const group = [];
  for (let i = start; i < Math.min(start + BATCH, subs.length); i++) group.push(connect(i));
  await Promise.all(group);
}
console.log(JSON.stringify({ ready: snapshots, failed }));

const lines = createInterface({ input: process.stdin });
lines.once("line", () => {
  for (const s of sockets) s.close();
  writeFileSync(out, JSON.stringify({ arrivals: arrivalList(), snapshots, failed, refreshes, refreshErrors, placesPushed }));
  console.log("done");
  process.exit(0);
});
