// A network run's own initialisation (docs/models.md: a run's `init` overrides the
// model's, so a race can compare xavier, he, zeros…). Shown for networks only.

import { CHOICE_NAMES } from "./model-options.js";

const $ = (id) => document.getElementById(id);

export class RunInit {
  /** @param {{onChange(init | undefined)}} h */
  constructor(h) {
    this.row = $("run-init-row");
    this.select = $("run-init-select");
    this.select.addEventListener("change", () => h.onChange(this.select.value || undefined));
  }

  /** @param {string[] | null} choices  the inits (null: not a network)  @param {string} modelInit */
  show(spec, choices, modelInit) {
    this.row.hidden = !choices;
    if (!choices) return;
    this.select.replaceChildren(
      new Option(`as the model (${modelInit})`, ""),
      ...choices.map((c) => new Option(CHOICE_NAMES[c] ?? c, c)),
    );
    this.select.value = spec.init ?? "";
  }
}
