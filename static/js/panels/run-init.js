// What a run may choose beyond its optimizer, where its kind offers it (docs/kinds.md):
// a network run's own initialisation (a run's `init` overrides the model's, so a race can
// compare xavier, he, zeros…), and the gradient rule a run steps with (`grad_rule`: a
// complex weight's torch gradient or the mistake that drops the conjugate).

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

/** The short names of the gradient rules (docs/models.md, "A complex weight"). */
const RULE_NAMES = { conjugate: "conjugate (torch)", no_conjugate: "no conjugate" };

export class RunRule {
  /** @param {{onChange(rule | undefined)}} h */
  constructor(h) {
    this.row = $("run-rule-row");
    this.select = $("run-rule-select");
    this.select.addEventListener("change", () => h.onChange(this.select.value === this.first ? undefined : this.select.value));
  }

  /** @param {string[]} rules  the kind's gradient rules (empty: none to choose)
   *  @param {object} formulas  each rule's formula (the model's description), for the tooltip */
  show(spec, rules, formulas = {}) {
    this.row.hidden = !rules.length;
    if (!rules.length) return;
    this.first = rules[0];
    this.select.replaceChildren(...rules.map((r) => {
      const o = new Option(RULE_NAMES[r] ?? r, r);
      o.title = formulas[r] ?? "";
      return o;
    }));
    this.select.value = spec.grad_rule ?? rules[0];
    this.select.title = formulas[this.select.value] ?? "";
  }
}
