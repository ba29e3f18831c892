// The kiosk PC's pairing: an admin's link /kiosk/?kiosk=NAME#pair=KEY (or `flask add-kiosk`) is opened
// once; the key stays in localStorage (never in the address bar or a server log) and goes with every
// ticket and check-in as X-Kiosk-Key. Afterwards /kiosk/ alone opens as that kiosk.
const STORE = "loket.kiosk.pairing";
const app = document.getElementById("app");

function stored() {
  try {
    const value = JSON.parse(localStorage.getItem(STORE) || "null");
    return value && typeof value.name === "string" && typeof value.key === "string" ? value : null;
  } catch {
    return null;
  }
}

function takePairing() {
  const named = app?.dataset.kiosk || "";
  if (!named || !location.hash.startsWith("#pair=")) return false;
  localStorage.setItem(STORE, JSON.stringify({ name: named, key: decodeURIComponent(location.hash.slice(6)) }));
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

takePairing();
window.addEventListener("hashchange", () => { if (takePairing()) location.reload(); });

// The kiosk this screen is: named in the address, or the one this PC was paired as.
export const KIOSK = app?.dataset.mode === "kiosk" ? app.dataset.kiosk || stored()?.name || "" : "";

// The header that proves this PC is the paired kiosk (nothing when it is not paired as KIOSK).
export function kioskHeaders() {
  const pairing = stored();
  return pairing && KIOSK && pairing.name === KIOSK ? { "X-Kiosk-Key": pairing.key } : {};
}
