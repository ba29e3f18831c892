// The media area: the admin's pictures and videos rotate under the calls and give way while calls are announced.
import { $, root } from "./screen.js";

export const media = {
  items: [],
  index: -1,
  timer: null,
  yielding: false,
  changed: () => {}, // the room left for the calls changed (display.js redraws the panel)

  async load() {
    try {
      const response = await fetch("/display/media", { headers: { Accept: "application/json" } });
      const data = await response.json();
      const names = (data.items || []).map((i) => i.url).join("|");
      if (names === this.items.map((i) => i.url).join("|")) return;
      this.items = data.items || [];
    } catch {
      return;
    }
    $("media").hidden = this.items.length === 0;
    root.classList.toggle("has-media", this.items.length > 0);
    this.changed();
    this.index = -1;
    this.next();
  },

  next() {
    clearTimeout(this.timer);
    const box = $("media");
    if (!this.items.length) { box.replaceChildren(); return; }
    if (this.yielding) { this.timer = setTimeout(() => this.next(), 2000); return; }
    this.index = (this.index + 1) % this.items.length;
    const item = this.items[this.index];
    let node;
    if (item.kind === "video") {
      node = document.createElement("video");
      node.muted = true; // the hall hears announcements, never a video's sound track
      node.playsInline = true;
      node.autoplay = true;
      node.src = item.url;
      node.onended = () => this.next();
      node.onerror = () => { this.timer = setTimeout(() => this.next(), 1000); };
      this.timer = setTimeout(() => this.next(), 120000);
    } else {
      node = document.createElement("img");
      node.alt = "";
      node.src = item.url;
      this.timer = setTimeout(() => this.next(), 10000);
    }
    box.replaceChildren(node);
  },

  yieldToCalls(on) {
    this.yielding = on;
    root.classList.toggle("calling", on);
    this.changed(); // the calls and the history have more (or less) room now
    const video = $("media").querySelector("video");
    if (video) on ? video.pause() : video.play().catch(() => {});
  },
};
