// N phones on /info/: socket.io-client websockets subscribed to the public room, counting what arrives.
// Usage: node bench/public_phones.mjs URL N SECONDS  → prints one JSON line when done.
import { io } from "socket.io-client";

const [url, count, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const sockets = [];
let snapshots = 0;
let changes = 0;
let bytes = 0;
let connected = 0;
for (let i = 0; i < count; i++) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
  socket.on("connect", () => {
    connected++;
    socket.emit("subscribe", { room: "public" });
  });
  socket.on("snapshot", () => snapshots++);
  socket.on("public_changed", (data) => {
    changes++;
    bytes += JSON.stringify(data).length;
  });
  sockets.push(socket);
}
setTimeout(() => {
  for (const s of sockets) s.close();
  console.log(JSON.stringify({ phones: count, connected, snapshots, changes, bytes_per_change: changes ? Math.round(bytes / changes) : 0 }));
  process.exit(0);
}, seconds * 1000);
