// The live connection, opened while the page's modules still load: on a phone 400 ms away its handshake
// then overlaps their loading and running instead of following them. live() (loket.js) adopts it, with
// every frame that came before, in order; a page whose modules ran first opens its own and this does nothing.
(() => {
  if (window.loketEarlySocket !== undefined || !("WebSocket" in window)) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/socket.io/?EIO=4&transport=websocket`;
  // connect=1: the server connects it to Socket.IO's main namespace as it opens (realtime.connect_on_opening),
  // so the answer comes with the handshake's, not a round trip after the client would have asked.
  // EarlyWebSocket (loket.js) keeps the page client's own CONNECT back.
  const ws = new WebSocket(`${url}&connect=1`);
  const early = { url, ws, frames: [], failed: false };
  ws.onmessage = (event) => early.frames.push(event);
  ws.onerror = ws.onclose = () => { early.failed = true; };
  window.loketEarlySocket = early;
})();
