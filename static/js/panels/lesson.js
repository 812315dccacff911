// The lesson beside the plots: when the link names a preset (`preset=ravine-momentum`, as
// /s/{id} and the gallery's links do), its title and text sit in the bottom row next to
// the curves, as DESIGN.md's sketch has it — loss | second curve | lesson — so the
// student reads what to watch while it runs. The lesson takes the third curve's place
// (a 1280×720 projector has no room for four panels that read): see `displacedPanel`.
// When the runs on screen are not the preset's — edited here, or a shared link that changes
// some of its numbers — the lesson stays but says, from its first paint, that its text is
// about the preset's own scenario, with a link back to it; one comparison decides it
// (`sameScenario`, url.js). Closing the lesson brings the curve back and takes `preset=` out
// of the link.

import { on } from "../events.js";
import { keepWhole } from "../fit-text.js";
import { kindOf } from "../objective.js";
import { SCHEMA } from "../schema.js";
import { scenarioForServer, state } from "../state.js";
import { sameScenario } from "../url.js";

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
  /** @param {{onClose()}} h  onClose: the student closed it */
  constructor({ onClose }) {
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
    this.title.textContent = preset.title;
    this.text.textContent = preset.lesson;
    this.reset.href = preset.url;
    this.box.dataset.preset = preset.id;
    document.body.dataset.lesson = preset.id; // the bottom row makes room (gallery.css)
    this.follow(); // (a link may already change the preset's scenario: said with the lesson's first paint)
    this.box.hidden = false;
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

  /** At load and after each edit: is the scenario on screen the lesson's (again, after an undo)? */
  follow() {
    if (!this.preset || !state.scenario) return;
    const changed = !sameScenario(SCHEMA, scenarioForServer(), this.preset.scenario);
    this.changed.hidden = !changed;
    this.box.classList.toggle("changed", changed);
    this.place();
  }
}
