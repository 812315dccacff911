// The "Runs" list: one row per run — colour swatch, label, status badge, show/hide,
// remove — and "+ Add run". Clicking a row selects the run the controls edit.

import { LIMITS } from "../schema.js";
import { state } from "../state.js";
import { runLabel, runTags } from "../runs.js";
import { runColor } from "../plots/theme.js";
import { paintStatus, statusLook } from "../status.js";

const $ = (id) => document.getElementById(id);

/**
 * A run's own state: the status it ended with (whichever the server gave: status.js
 * knows each one's icon, word and colour), else what the stream is doing.
 */
export function runState(i) {
  const r = state.runs[i];
  if (r?.status) return r.status;
  if (state.playing) return "running";
  return state.server === "active" ? "paused" : "ready";
}

export class RunList {
  /** @param {{onSelect(i), onToggle(i, visible), onRemove(i), onAdd()}} h */
  constructor(h) {
    this.h = h;
    this.list = $("runs-list");
    this.addBtn = $("btn-add-run");
    this.limitNote = $("runs-limit");
    this.addBtn.addEventListener("click", () => h.onAdd());
    this.list.addEventListener("click", (ev) => {
      const row = ev.target.closest(".run-row");
      if (!row) return;
      const i = Number(row.dataset.run);
      if (ev.target.closest(".run-remove")) h.onRemove(i);
      else if (!ev.target.closest(".run-toggle, .run-show")) h.onSelect(i);
    });
    this.list.addEventListener("change", (ev) => {
      if (!ev.target.classList.contains("run-toggle")) return;
      h.onToggle(Number(ev.target.closest(".run-row").dataset.run), ev.target.checked);
    });
    this.sig = "";
  }

  row(i) {
    const li = document.createElement("li");
    li.className = "run-row";
    li.dataset.run = String(i);
    li.style.setProperty("--run-color", runColor(i));

    // The colour swatch is the show/hide checkbox: filled = shown, hollow = hidden.
    const show = document.createElement("label");
    show.className = "run-show";
    show.title = "Show or hide this run in the plots (it keeps running)";
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.className = "run-toggle";
    cb.setAttribute("aria-label", `Show run ${i + 1}`);
    show.append(cb);

    const sel = document.createElement("button");
    sel.type = "button";
    sel.className = "run-select";
    const name = document.createElement("span");
    name.className = "run-name";
    const extra = document.createElement("span");
    extra.className = "run-extra";
    sel.append(name, extra);

    const badge = document.createElement("span");
    badge.className = "badge run-badge";
    const icon = document.createElement("span");
    icon.className = "badge-icon";
    icon.setAttribute("aria-hidden", "true");
    const word = document.createElement("span");
    word.className = "run-badge-word";
    badge.append(icon, word);

    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "run-remove";
    rm.textContent = "✕";
    rm.setAttribute("aria-label", `Remove run ${i + 1}`);
    rm.title = `Remove run ${i + 1}`;

    li.append(show, sel, badge, rm);
    return li;
  }

  /** Bring the rows up to date (cheap when nothing changed: called every frame). */
  update() {
    const n = state.scenario.runs.length;
    const rows = [];
    for (let i = 0; i < n; i++) {
      const label = runLabel(i);
      const extras = runTags(state.scenario.runs[i]).join(" · ");
      rows.push([label, extras, runState(i), state.hidden[i] ? 0 : 1, i === state.selected ? 1 : 0]);
    }
    // The control column (and the stability table) wear the selected run's colour
    // (set only on a change: a root custom property restyles the whole page).
    const color = runColor(state.selected);
    if (color !== this.selectedColor) {
      this.selectedColor = color;
      document.documentElement.style.setProperty("--selected-color", color);
    }
    const sig = JSON.stringify(rows);
    if (sig === this.sig) return;
    this.sig = sig;
    while (this.list.children.length < n) this.list.append(this.row(this.list.children.length));
    while (this.list.children.length > n) this.list.lastElementChild.remove();
    rows.forEach(([label, extras, st, shown, selected], i) => {
      const li = this.list.children[i];
      li.classList.toggle("selected", Boolean(selected));
      li.classList.toggle("is-hidden", !shown);
      const sel = li.querySelector(".run-select");
      sel.setAttribute("aria-pressed", selected ? "true" : "false");
      // "2 · Momentum" in bold, "η=0.002" in regular weight: the row must fit one line
      const cut = label.indexOf(" η=");
      li.querySelector(".run-name").replaceChildren(label.slice(0, cut), " ", Object.assign(document.createElement("span"), { className: "run-eta", textContent: label.slice(cut + 1) }));
      sel.title = `${label}${extras ? ` · ${extras}` : ""}${selected ? " (the controls edit this run)" : " (click to edit)"}`;
      li.querySelector(".run-extra").textContent = extras;
      const cb = li.querySelector(".run-toggle");
      cb.checked = Boolean(shown);
      // Every run's state at a glance: colour, icon and word (the word gives way first
      // in a narrow column; it stays for screen readers and on hover).
      const { icon, text } = statusLook(st);
      const badge = li.querySelector(".run-badge");
      paintStatus(badge, st);
      badge.title = `Run ${i + 1}: ${text}${state.runs[i]?.reason ? ` — ${state.runs[i].reason}` : ""}`;
      badge.querySelector(".badge-icon").textContent = icon;
      badge.querySelector(".run-badge-word").textContent = text;
      li.querySelector(".run-remove").hidden = n === 1;
    });
    const full = n >= LIMITS.runs;
    this.addBtn.disabled = full;
    this.addBtn.title = full
      ? `At most ${LIMITS.runs} runs race at once: remove one to add another`
      : "Add a copy of the selected run (then change one thing)";
    this.limitNote.hidden = !full;
  }
}
