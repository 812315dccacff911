// The right-hand panel's tabs — 3D surface, stability, learning-rate sweep, basin map,
// scattered starts — and the progress bar of the landscape job that is running.
// Panes stay laid out when hidden (visibility, not display) so plots keep their size.
// The open tab is in the link (`tab=sweep`, view-state.js; old links' `#sweep` fragment
// is still read), so a link can open the page on it; a page opened on another tab does
// not draw the 3D view (seconds of software GL) until it is asked for.
// The tabs are one row, whatever their number: they close up when they would not fit at
// their size, and past that the row scrolls sideways (‹ › at its ends, the wheel, ← →
// between tabs); the open tab is always scrolled into sight. Two rows took the plots' room.

import { emit } from "../events.js";
import { fmt } from "../format.js";

const $ = (id) => document.getElementById(id);
const ARROW_ROOM = 30; // px at either end of a scrolling row: its ‹ › button and fade (app.css)

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
    this.strip();
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
    const wanted = this.fromUrl && names.includes(this.fromUrl) ? this.fromUrl : names[0];
    this.fromUrl = "";
    if (!same || !names.includes(this.current)) this.show(wanted);
    this.fit();
  }

  /** The row's ‹ › buttons, and what makes it fit again (a new width, other tabs). */
  strip() {
    const head = this.list.parentElement;
    this.ends = [-1, 1].map((dir) => {
      const btn = document.createElement("button");
      Object.assign(btn, {
        type: "button", className: "tabs-end", hidden: true, tabIndex: -1,
        textContent: dir < 0 ? "‹" : "›", title: dir < 0 ? "The tabs before these" : "More tabs",
      });
      btn.dataset.end = dir < 0 ? "start" : "end";
      btn.setAttribute("aria-hidden", "true"); // (a keyboard reaches every tab with ← →)
      btn.addEventListener("click", () => this.list.scrollBy({ left: dir * 0.7 * this.list.clientWidth, behavior: "smooth" }));
      head.append(btn);
      return btn;
    });
    this.list.addEventListener("scroll", () => this.showEnds(), { passive: true });
    // a mouse wheel's turn moves a row that scrolls sideways (at its end, the page scrolls on)
    this.list.addEventListener("wheel", (ev) => {
      const l = this.list;
      const d = Math.abs(ev.deltaX) > Math.abs(ev.deltaY) ? 0 : ev.deltaY;
      const room = d < 0 ? l.scrollLeft : l.scrollWidth - l.clientWidth - l.scrollLeft;
      if (!d || room < 1) return;
      ev.preventDefault();
      l.scrollLeft += d;
    }, { passive: false });
    let width = -1;
    new ResizeObserver(() => {
      if (this.list.clientWidth === width) return; // (closing up changes the height alone)
      width = this.list.clientWidth;
      this.fit();
    }).observe(this.list);
  }

  /** Full size when every tab fits the row, closed up when not (then it scrolls). */
  fit() {
    const l = this.list;
    delete l.dataset.crowded;
    if (l.clientWidth > 0 && l.scrollWidth > l.clientWidth + 1) l.dataset.crowded = "1";
    this.reveal();
  }

  /** Scroll the row (never the page) so the open tab is whole in sight. */
  reveal() {
    const l = this.list;
    const tab = this.tabs.find((t) => t.dataset.tab === this.current && !t.hidden);
    if (tab && l.scrollWidth > l.clientWidth + 1) {
      const row = l.getBoundingClientRect();
      const box = tab.getBoundingClientRect();
      if (box.left < row.left + ARROW_ROOM) l.scrollLeft -= row.left + ARROW_ROOM - box.left;
      else if (box.right > row.right - ARROW_ROOM) l.scrollLeft += box.right - (row.right - ARROW_ROOM);
    }
    this.showEnds();
  }

  /** ‹ and › where there are tabs out of sight that way. */
  showEnds() {
    const l = this.list;
    const rest = l.scrollWidth - l.clientWidth;
    const [start, end] = [rest > 1 && l.scrollLeft > 1, rest > 1 && l.scrollLeft < rest - 1];
    this.ends[0].hidden = !start;
    this.ends[1].hidden = !end;
    l.dataset.more = `${start ? "start" : ""} ${end ? "end" : ""}`.trim();
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
    if (this.ends) this.reveal();
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
