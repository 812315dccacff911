// The guided path's bar (a link with `guide=1` and a preset on the path, as /start's steps
// are): beside the lesson, "Step 3 of 16", the step's goal, ✓ once the selected runs show
// it (guide/checks.js, checked as frames arrive), and Previous / All steps / Next. Opening a
// step and meeting its goal are remembered in this browser (guide/progress.js), so /start
// ticks them and "Continue" goes on from here.

import { met } from "./checks.js";
import { completed, opened, progress } from "./progress.js";

const $ = (id) => document.getElementById(id);
const CHECK_MS = 300; // how often the goal is looked for while the page is open

export class GuideBar {
  /**
   * @param {{preset: string, course: () => Promise<object[]>, run: (i: number) => object,
   *          lr: (i: number) => number}} h  course: GET /api/course; run: the page's run i;
   *          lr: run i's learning rate now
   */
  constructor({ preset, course, run, lr }) {
    Object.assign(this, { preset, run, lr });
    this.box = $("guide");
    this.step = null;
    this.done = false;
    course().then((steps) => this.show(steps), () => {});
  }

  show(steps) {
    const i = steps.findIndex((s) => s.preset === this.preset);
    if (i < 0) return; // not a step of the path: the lesson alone
    this.step = steps[i];
    opened(this.preset);
    this.done = progress().done.has(this.preset);
    $("guide-step").textContent = `Step ${i + 1} of ${steps.length}`;
    $("guide-goal").textContent = this.step.goal;
    const link = (id, step) => {
      const a = $(id);
      a.href = step ? step.url : "/start";
      a.title = step ? `${step.title}` : "The guided path";
    };
    link("guide-prev", steps[i - 1]);
    link("guide-next", steps[i + 1]);
    if (!steps[i + 1]) $("guide-next").textContent = "Finish →";
    $("lesson-reset").href = this.step.url; // "Reset to the lesson" stays on the path
    this.box.hidden = false;
    this.mark();
    if (this.step.check) this.timer = setInterval(() => this.look(), CHECK_MS);
  }

  /** Is the goal met now? (A goal with no check is the student's to read: never ticked here.) */
  look() {
    const c = this.step?.check;
    if (!c || !met(c, this.run(c.run ?? 0), this.lr(c.run ?? 0))) return;
    if (!this.done) completed(this.preset);
    this.done = true;
    clearInterval(this.timer);
    this.mark(true);
  }

  mark(now = false) {
    const m = $("guide-mark");
    this.box.dataset.met = this.done ? "true" : "false";
    m.textContent = this.done ? (now ? "✓ Goal met!" : "✓ Met before") : (this.step.check ? "Goal:" : "Try:");
  }
}
