// The "Lessons" gallery: every preset (GET /api/presets) as a card — its title, the first
// sentence of its lesson and a tag or two saying what it shows. A card is a plain link to
// the preset's `url`, so a click opens the lesson and a middle-click opens it in a new tab.

import { kindOf } from "../objective.js";

const $ = (id) => document.getElementById(id);

const TOOL_TAGS = { sweep: "η sweep", basins: "basins", scatter: "many starts", stability: "stability", slice: "loss slice", why: "diagnosis" };

/** A preset's tags: what it trains, whether it races several runs, the tool it opens. */
export function presetTags(preset) {
  const sc = preset.scenario ?? {};
  const tags = [kindOf(sc).page.tag]; // what it trains (the kind's tag)
  if ((sc.runs?.length ?? 0) > 1) tags.push(`race of ${sc.runs.length}`);
  const tool = TOOL_TAGS[preset.view?.tab];
  if (tool) tags.push(tool);
  return tags;
}

/**
 * The lesson's first sentence. A sentence ends at ". " before a capital letter or a
 * bracket — not inside "e.g. " or a number such as "0.5".
 */
export function firstSentence(text) {
  const m = /^(.+?[.!?])\s+(?=[A-Z(“"])/s.exec(text);
  return m ? m[1] : text;
}

export class Gallery {
  /** @param {{presets: () => Promise<object[]>, current: () => string|null}} h */
  constructor(h) {
    this.h = h;
    this.dialog = $("gallery");
    this.list = $("gallery-list");
    this.filled = false;
    $("btn-lessons").addEventListener("click", () => this.open());
    $("gallery-close").addEventListener("click", () => this.dialog.close());
    // a click on the backdrop (the dialog's own box, outside its content) closes it
    this.dialog.addEventListener("click", (ev) => { if (ev.target === this.dialog) this.dialog.close(); });
    // Space, → and R are the page's play keys; inside the gallery they are the browser's
    this.dialog.addEventListener("keydown", (ev) => { if (ev.key !== "Escape") ev.stopPropagation(); });
  }

  async open() {
    this.dialog.showModal();
    if (!this.filled) await this.fill();
    const here = this.list.querySelector("[aria-current]") ?? this.list.querySelector("a");
    here?.focus();
  }

  async fill() {
    let presets;
    try {
      presets = await this.h.presets();
    } catch (err) {
      this.list.replaceChildren(Object.assign(document.createElement("li"), {
        className: "gallery-loading", textContent: `Could not load the lessons: ${err.message}`,
      }));
      return;
    }
    const current = this.h.current();
    this.list.replaceChildren(...presets.map((p, i) => this.card(p, i, p.id === current)));
    this.list.removeAttribute("aria-busy");
    this.filled = true;
  }

  card(preset, i, current) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.className = "card";
    a.href = preset.url;
    a.dataset.preset = preset.id;
    if (current) a.setAttribute("aria-current", "page");
    const tags = document.createElement("span");
    tags.className = "card-tags";
    for (const t of presetTags(preset)) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.dataset.tag = t.split(" ")[0];
      tag.textContent = t;
      tags.append(tag);
    }
    const title = document.createElement("strong");
    title.className = "card-title";
    title.textContent = `${i + 1}. ${preset.title}`;
    const text = document.createElement("span");
    text.className = "card-text";
    text.textContent = firstSentence(preset.lesson);
    a.append(title, text, tags);
    li.append(a);
    return li;
  }
}
