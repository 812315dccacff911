// The header's "Export" menu: the scenario on screen as CSV or JSON (every run's frames)
// or as one offline HTML page, from GET /export/{format}?<the page's query>. The server
// runs the scenario; a link it cannot use comes back as a 4xx whose message is shown.

import { saveBlob, suggestedName } from "./download.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const EXTENSIONS = { csv: "csv", json: "json", html: "html" };

/** The server's words for a refused export: a sentence, or its list of warnings. */
async function refusal(res) {
  try {
    const body = await res.json();
    if (typeof body.message === "string") return body.message; // GET /export's 422: "2 bad query parameter(s): …"
    const d = body.detail ?? body;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map((w) => (typeof w === "string" ? w : w.msg ?? w.message ?? JSON.stringify(w))).join("; ");
    return JSON.stringify(d);
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

export class ExportMenu {
  /** @param {{href: () => string, name: () => string}} h  href: the page's link now; name: a file name stem */
  constructor(h) {
    this.h = h;
    this.button = $("btn-export");
    this.menu = $("export-list");
    this.items = [...this.menu.querySelectorAll("[role=menuitem]")];
    this.button.addEventListener("click", () => (this.menu.hidden ? this.open() : this.close()));
    for (const item of this.items) item.addEventListener("click", () => this.download(item));
    this.menu.addEventListener("keydown", (ev) => this.key(ev));
    document.addEventListener("pointerdown", (ev) => {
      if (!this.menu.hidden && !ev.target.closest(".export-menu")) this.close();
    });
  }

  open() {
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.items[0].focus();
  }

  close({ focus = false } = {}) {
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (focus) this.button.focus();
  }

  key(ev) {
    const k = this.items.indexOf(document.activeElement);
    const go = (i) => this.items[(i + this.items.length) % this.items.length].focus();
    if (ev.key === "Escape") this.close({ focus: true });
    else if (ev.key === "ArrowDown") go(k + 1);
    else if (ev.key === "ArrowUp") go(k - 1);
    else if (ev.key === "Home") go(0);
    else if (ev.key === "End") go(this.items.length - 1);
    else if (ev.key === "Tab") this.close();
    else return;
    ev.stopPropagation(); // not the page's play keys
    if (ev.key !== "Tab") ev.preventDefault();
  }

  /** Fetch the export of the page's scenario and save it (the server's message on a refusal). */
  async download(item) {
    const format = item.dataset.format;
    this.close({ focus: true });
    const query = new URL(this.h.href()).search;
    this.button.setAttribute("aria-busy", "true");
    this.button.dataset.busy = format;
    try {
      const res = await fetch(`/export/${format}${query}`);
      if (!res.ok) {
        toast(`Export refused: ${await refusal(res)}`, "warning");
        return;
      }
      saveBlob(await res.blob(), suggestedName(res, `gdviz-${this.h.name()}.${EXTENSIONS[format]}`));
    } catch (err) {
      toast(`Export failed: ${err.message}`);
    } finally {
      this.button.removeAttribute("aria-busy");
      delete this.button.dataset.busy;
    }
  }
}
