// The live connection, opened while the page's modules still load: on a phone 400 ms away its handshake
// then overlaps their loading and running instead of following them. live() (loket.js) adopts it, with
// every frame that came before, in order; a page whose modules ran first opens its own and this does nothing.
(() => {
  if (window.loketEarlySocket !== undefined || !("WebSocket" in window)) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url);
  const early = { url, ws, frames: [], failed: false, connectSent: false };
  ws.onmessage = (event) => early.frames.push(event);
  // Socket.IO's CONNECT for the main namespace goes with the opening, not a round trip after it: the
  // server's answer is then already on its way when the page's client would have asked (it asks only
  // after the server's open packet). EarlyWebSocket (loket.js) keeps that client's own CONNECT back.
  ws.addEventListener("open", () => {
    ws.send("40");
    early.connectSent = true;
  });
  ws.onerror = ws.onclose = () => { early.failed = true; };
  window.loketEarlySocket = early;
})();
