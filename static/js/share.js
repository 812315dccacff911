// The header's "Copy link", "QR code" and "Copy embed code": the page's URL (which url.js
// keeps in step with the scenario), a QR code of it for phones in the room (made by the
// server, GET /api/qr, with the address phones can reach), and an <iframe> snippet of the
// same scenario at /embed.
//
// The clipboard API needs a secure context (https, or http on localhost) and may be
// refused; then the text is shown in a field, selected, for Ctrl+C.

import { changedMidway } from "./runs.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);

/** What a link leaves out: it gives each run its settings now, from step 0, so a run whose η
 *  changed mid-way opens as another run (" — …" to add to the toast, or ""). */
function midway() {
  const changed = changedMidway();
  if (!changed.length) return "";
  const which = changed.map((c) => `run ${c.run + 1}'s from step ${c.step}`).join(", ");
  return ` — it starts each run with its settings now, from step 0: the change mid-way (${which}) is not in it, so it opens as other runs`;
}

/** Text for an HTML attribute value in double quotes. */
const attr = (s) => String(s).replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The frame's size: 16:9, and it fits a reveal.js slide (960×700) with room for a title. */
const EMBED_WIDTH = 960;
const EMBED_HEIGHT = 540;
const EMBED_SIZE = `${EMBED_WIDTH}×${EMBED_HEIGHT}`;

/**
 * The snippet a slide deck or notebook pastes: the scenario at /embed, 960×540 (16:9).
 * Its `allow` (the server's, on <body data-embed-allow>) delegates Chromium's Local Network
 * Access into the frame, for a deck hosted online (docs/lectures.md).
 * @param {string} href  the page's URL (its query is the scenario; its #tab, the view)
 * @param {string} title  what the frame shows, for screen readers
 * @param {string} allow  the frame's permissions policy
 */
export function embedCode(href, title, allow = document.body.dataset.embedAllow ?? "fullscreen") {
  const url = new URL(href);
  const src = `${url.origin}/embed${url.search}${url.hash}`;
  return `<iframe src="${attr(src)}" width="${EMBED_WIDTH}" height="${EMBED_HEIGHT}" style="border:0" allow="${attr(allow)}" ` +
    `title="${attr(`gdviz: ${title}`)}"></iframe>`;
}

export class ShareButtons {
  /** @param {{href: () => string, title: () => string}} h  href: the link now; title: what it shows */
  constructor(h) {
    this.h = h;
    this.box = $("share-box");
    this.field = $("share-field");
    this.label = $("share-label");
    $("btn-copy-link").addEventListener("click", () => this.copy(h.href(), `Link copied${midway()}`,
      `Copy this link${midway()}`));
    $("btn-copy-embed").addEventListener("click", () => this.copy(embedCode(h.href(), h.title()),
      `Embed code copied: an <iframe> ${EMBED_SIZE} (change its width and height to resize; docs/lectures.md)`,
      "Copy this embed code (paste it into an HTML slide or notebook)"));
    $("btn-qr").addEventListener("click", () => this.showQr(h.href()));
    $("qr-close").addEventListener("click", () => $("qr-dialog").close());
    $("share-close").addEventListener("click", () => this.hideBox());
    this.box.addEventListener("keydown", (ev) => { if (ev.key === "Escape") this.hideBox(); });
  }

  async copy(text, done, ask) {
    this.hideBox();
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard API here");
      await navigator.clipboard.writeText(text);
      toast(done, "info");
    } catch {
      this.showBox(text, ask, done); // refused (http on another host, or no permission)
    }
  }

  /** The text in a field, selected; the old execCommand copy may still work (http on a LAN). */
  showBox(text, ask, done) {
    this.field.value = text;
    this.field.rows = text.length > 120 ? 4 : 1;
    this.box.hidden = false;
    this.field.focus();
    this.field.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    this.label.textContent = copied ? `${done}; here it is too:` : `${ask}: it is selected, press Ctrl+C (⌘C on a Mac).`;
    this.box.dataset.copied = copied ? "1" : "0";
  }

  hideBox() {
    this.box.hidden = true;
  }

  /** The QR code of `href` in a dialog, large enough to scan off a projector. */
  async showQr(href) {
    const dialog = $("qr-dialog");
    const img = $("qr-image");
    const url = new URL(href);
    img.hidden = true;
    $("qr-url").textContent = "";
    $("qr-note").textContent = "Making the code…";
    if (!dialog.open) dialog.showModal();
    try {
      const res = await fetch(`/api/qr?link=${encodeURIComponent(url.pathname + url.search)}`);
      const body = await res.json();
      if (!res.ok) throw new Error(body.detail ?? `${res.status}`);
      if (body.svg) {
        img.src = body.svg;
        img.alt = `QR code of ${body.url}`;
        img.hidden = false;
      }
      $("qr-url").textContent = body.url;
      $("qr-note").textContent = body.note;
      dialog.dataset.state = body.svg ? "shown" : "unreachable";
    } catch (err) {
      $("qr-note").textContent = `No QR code: ${err.message}`;
      dialog.dataset.state = "error";
    }
  }
}
