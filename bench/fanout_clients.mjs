// Many screens and phones in one process: socket.io-client websockets (the browser's own client library),
// each subscribed as bench/fanout.py asks, recording when every ticket_called arrives (wall clock, ms).
// Usage: node bench/fanout_clients.mjs URL SUBS.json OUT.json — prints {"ready": …} when every client has
// its snapshot; after a line on stdin writes {"arrivals": [[sub, ticket_id, ms], …], …} to OUT.json (a pipe
// would cut a long line when the process exits), prints "done" and exits.
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [url, file, out] = [process.argv[2], process.argv[3], process.argv[4]];
const subs = JSON.parse(readFileSync(file, "utf8"));
const arrivals = [];
const sockets = [];
let snapshots = 0;
let failed = 0;
const BATCH = 100;

function connect(i) {
  return new Promise((resolve) => {
    const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, timeout: 60000 });
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
    socket.on("ticket_called", (data) => arrivals.push([i, data.ticket_id, Date.now()]));
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
  writeFileSync(out, JSON.stringify({ arrivals, snapshots, failed }));
  console.log("done");
  process.exit(0);
});
