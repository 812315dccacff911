// The right-hand panel's tabs — 3D surface, stability, learning-rate sweep, basin map,
// scattered starts — and the progress bar of the landscape job that is running.
// Panes stay laid out when hidden (visibility, not display) so plots keep their size.
// The open tab is in the link (`tab=sweep`, view-state.js; old links' `#sweep` fragment
// is still read), so a link can open the page on it; a page opened on another tab does
// not draw the 3D view (seconds of software GL) until it is asked for.

import { emit } from "../events.js";
import { fmt } from "../format.js";

const $ = (id) => document.getElementById(id);
const CROWDED_AFTER = 6; // tabs (and the note) that fit one row at their full size

export class ExploreTabs {
  /** @param {{onShow?(name), initial?: string}} h  initial: the tab the link names (else its #fragment) */
  constructor(h) {
    this.h = h;
    this.list = $("explore-tabs");
    this.tabs = [...this.list.querySelectorAll("[role=tab]")];
    this.note = $("tabs-note");
    this.current = null;
    // Arrows move between tabs for a keyboard user in the tab list; after a click on a tab
    // → is the player's step, as everywhere outside a text field (keyboard.js) — until the
    // focus leaves the tab list.
    this.clicked = false;
    this.list.addEventListener("focusout", (ev) => {
      if (!this.list.contains(ev.relatedTarget)) this.clicked = false;
    });
    for (const tab of this.tabs) this.listen(tab);
    this.available = this.tabs.filter((t) => !t.hidden).map((t) => t.dataset.tab);
    this.fromUrl = h.initial || location.hash.slice(1);
    this.show(this.available.includes(this.fromUrl) ? this.fromUrl : this.available[0]);
    window.addEventListener("hashchange", () => {
      const name = location.hash.slice(1);
      if (this.available.includes(name)) this.show(name, { byStudent: true });
    });
  }

  /**
   * The tabs this objective has (see objective.js), and a note on the ones it lacks.
   * Shows the first of them — or, on the page's first objective, the one the URL names.
   */
  setAvailable(names, note = "") {
    const same = names.join() === this.available.join();
    this.available = names;
    for (const tab of this.tabs) tab.hidden = !names.includes(tab.dataset.tab);
    this.note.textContent = note;
    this.note.title = note;
    this.note.hidden = !note;
    // more tabs (and a note) than fit one row at their size: they close up
    this.list.dataset.crowded = names.length + (note ? 1 : 0) > CROWDED_AFTER ? "1" : "0";
    const wanted = this.fromUrl && names.includes(this.fromUrl) ? this.fromUrl : names[0];
    this.fromUrl = "";
    if (!same || !names.includes(this.current)) this.show(wanted);
  }

  listen(tab) {
    tab.addEventListener("pointerdown", () => { this.clicked = true; });
    tab.addEventListener("click", () => this.show(tab.dataset.tab, { byStudent: true }));
    tab.addEventListener("keydown", (ev) => {
      if (this.clicked) return;
      const shown = this.tabs.filter((t) => !t.hidden);
      const k = shown.indexOf(tab);
      let next = null;
      if (ev.key === "ArrowRight") next = shown[(k + 1) % shown.length];
      else if (ev.key === "ArrowLeft") next = shown[(k - 1 + shown.length) % shown.length];
      else if (ev.key === "Home") next = shown[0];
      else if (ev.key === "End") next = shown[shown.length - 1];
      if (!next) return;
      ev.preventDefault();
      this.show(next.dataset.tab, { byStudent: true });
      next.focus();
    });
  }

  /**
   * A tab for a kind's plug-in view (plugins.js), hidden until a kind shows it: its button
   * (before the note) and its pane, which is returned for the view to draw in.
   */
  addTab(id, title, hint = "") {
    const pane = document.createElement("div");
    pane.id = `${id}-panel`;
    pane.className = "pane pane-plugin";
    pane.setAttribute("role", "tabpanel");
    pane.setAttribute("aria-labelledby", `tab-${id}`);
    pane.inert = true;
    this.list.closest(".panel-explore").querySelector(".panes").append(pane);
    const tab = document.createElement("button");
    Object.assign(tab, { type: "button", id: `tab-${id}`, textContent: title, title: hint, hidden: true, tabIndex: -1 });
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", pane.id);
    tab.setAttribute("aria-selected", "false");
    tab.dataset.tab = id;
    this.list.insertBefore(tab, this.note);
    this.tabs.push(tab);
    this.listen(tab);
    return pane;
  }

  /** The objective's own first tab (a link names another with `tab=`). */
  get defaultTab() {
    return this.available[0] ?? null;
  }

  /** Show a tab; one the student chose is a change of the view (the link follows). */
  show(name, { byStudent = false } = {}) {
    if (name === this.current) return;
    this.current = name;
    for (const tab of this.tabs) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      const pane = $(tab.getAttribute("aria-controls"));
      pane.classList.toggle("active", on);
      pane.inert = !on;
    }
    this.h.onShow?.(name);
    if (byStudent) emit("tab", name);
  }
}

const KIND_NAMES = { sweep: "Learning-rate sweep", basins: "Basin map", scatter: "Scattered starts" };

/** The running job's progress, its Cancel button, and how the last job ended. */
export class JobBar {
  constructor({ onCancel }) {
    this.bar = $("job-bar");
    this.progress = $("job-progress");
    this.label = $("job-label");
    this.cancelBtn = $("btn-cancel-job");
    this.cancelBtn.addEventListener("click", () => onCancel());
    this.hideTimer = null;
  }

  hideSoon(ms) {
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => { this.bar.hidden = true; }, ms);
  }

  progressed(job) {
    clearTimeout(this.hideTimer);
    this.bar.hidden = false;
    this.bar.dataset.state = "running";
    this.bar.dataset.kind = job.kind;
    this.progress.value = job.fraction;
    this.progress.textContent = `${Math.round(job.fraction * 100)}%`;
    this.label.textContent = `${KIND_NAMES[job.kind] ?? job.kind}: ${Math.round(job.fraction * 100)}%`;
    this.cancelBtn.hidden = false;
  }

  ended(job, err) {
    this.bar.dataset.state = job.state;
    this.cancelBtn.hidden = true;
    const name = KIND_NAMES[job.kind] ?? job.kind;
    if (job.state === "done") {
      this.progress.value = 1;
      this.label.textContent = `${name}: done`;
      this.bar.hidden = true; // the answer on screen says so; the bar would only cover it
    } else if (job.state === "cancelled") {
      this.label.textContent = `${name}: cancelled at ${fmt(Math.round(job.fraction * 100))}%`;
      this.hideSoon(5000);
    } else {
      this.label.textContent = `${name} failed: ${err?.message ?? "unknown error"}`;
      this.hideSoon(8000);
    }
  }
}
