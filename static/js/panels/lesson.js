// The lesson beside the plots: when the link names a preset (`preset=ravine-momentum`, as
// /s/{id} and the gallery's links do), its title and text sit in the bottom row next to
// the curves, as DESIGN.md's sketch has it — loss | second curve | lesson — so the
// student reads what to watch while it runs. The lesson takes the third curve's place
// (a 1280×720 projector has no room for four panels that read): see `displacedPanel`.
// Editing the scenario keeps the lesson but says so, with a link back to the preset's own
// scenario; closing it brings the curve back and takes `preset=` out of the link.

import { on } from "../events.js";
import { keepWhole } from "../fit-text.js";
import { kindOf } from "../objective.js";
import { scenarioForServer, state } from "../state.js";

const $ = (id) => document.getElementById(id);

/**
 * The curve panel the lesson stands in for: the least important of the kind's curves (the
 * registry lists them most important first) — the η plot on a surface (a flat line while
 * every run's η is constant), a network's accuracy plot (the status still reads it out;
 * its per-layer gradients are what several lessons point at). When a run follows a
 * schedule, η's curve is the point: then the one before it (‖∇f‖ on a surface).
 */
export function displacedPanel(scenario) {
  const curves = kindOf(scenario).page.curves;
  const scheduled = scenario.runs.some((r) => r.schedule && r.schedule !== "constant");
  return scheduled ? curves.filter((c) => c !== "lr").at(-1) : curves.at(-1);
}

export class LessonPanel {
  /**
   * @param {{onClose(), numbers: (scenario) => string}} h  onClose: the student closed it;
   *   numbers: a scenario's numbers as one string (to tell whether it is still the lesson's)
   */
  constructor({ onClose, numbers }) {
    this.numbers = numbers;
    this.box = $("lesson");
    this.title = $("lesson-title");
    this.text = $("lesson-text");
    this.changed = $("lesson-changed");
    this.reset = $("lesson-reset");
    this.preset = null;
    // a lesson is read to its last sentence: the bottom row grows until it fits (gallery.css)
    this.fitter = keepWhole(this.text, "lesson", 4);
    $("lesson-close").addEventListener("click", () => {
      this.hide();
      onClose();
    });
    for (const name of ["settings", "start", "runs", "surface"]) on(name, () => this.follow());
  }

  /** Show a preset's lesson ({id, title, lesson, scenario, url} from GET /api/presets). */
  show(preset) {
    this.preset = preset;
    this.theirs = this.numbers(preset.scenario);
    this.title.textContent = preset.title;
    this.text.textContent = preset.lesson;
    this.reset.href = preset.url;
    this.changed.hidden = true;
    this.box.hidden = false;
    this.box.dataset.preset = preset.id;
    document.body.dataset.lesson = preset.id; // the bottom row makes room (gallery.css)
    this.place();
    this.fitter.fit();
  }

  hide() {
    this.preset = null;
    this.box.hidden = true;
    delete this.box.dataset.preset;
    delete document.body.dataset.lesson;
    delete document.body.dataset.lessonDisplaces;
    this.fitter.fit();
  }

  place() {
    document.body.dataset.lessonDisplaces = displacedPanel(state.scenario);
  }

  /** After an edit: is the scenario on screen still the lesson's (again, after an undo)? */
  follow() {
    if (!this.preset || !state.scenario) return;
    const changed = this.numbers(scenarioForServer()) !== this.theirs;
    this.changed.hidden = !changed;
    this.box.classList.toggle("changed", changed);
    this.place();
  }
}
