// Schedule, gradient clipping and gradient noise of the selected run. The live `set`
// message carries hyperparameters only, so every change here restarts the runs.

import { fmt, inputValue } from "../format.js";
import { runExtras } from "../runs.js";
import { SCHEMA } from "../schema.js";

const $ = (id) => document.getElementById(id);

/** A run field's bounds ({min | above, max, int, default}) from the link schema (RunSpec's; a
 *  schedule's defaults are the engine's `Schedule`): the server checks them again. */
const BOUNDS = SCHEMA.scenario.run.bounds;
const bounds = (name) => {
  const b = BOUNDS[name];
  return b.above === undefined ? b : { ...b, min: b.above, exclusiveMin: true };
};

/** The schedule fields: what they are called and do here, their bounds and defaults from the schema. */
export const SCHEDULE_FIELDS = Object.fromEntries(Object.entries({
  step_size: { label: "decay every", unit: "steps", doc: "StepLR: η is multiplied by γ every this many steps" },
  gamma: { label: "decay factor γ", doc: "how much η keeps at each decay (1 = no decay)" },
  T_max: { label: "period T", unit: "steps", doc: "cosine: steps from η down to η_min (the same again back up)" },
  eta_min: { label: "final η_min", doc: "cosine: the learning rate at step T" },
  warmup_steps: { label: "warm-up W", unit: "steps", doc: "η grows linearly from η/W to η over W steps" },
}).map(([name, f]) => [name, { ...f, ...bounds(name) }]));

/** Which fields each schedule uses, and a sentence for the student. */
export const SCHEDULES = {
  constant: { fields: [], text: "η stays the same every step." },
  step: { fields: ["step_size", "gamma"], text: "η drops by the factor γ every few steps (StepLR)." },
  exponential: { fields: ["gamma"], text: "η is multiplied by γ after every step (ExponentialLR)." },
  cosine: { fields: ["T_max", "eta_min"], text: "η glides from its start value down to η_min along a cosine over T steps, then rises back over the next T, as torch's CosineAnnealingLR does." },
  warmup_cosine: { fields: ["warmup_steps", "T_max", "eta_min"], text: "η ramps up over W steps, then glides down along a cosine until step T (and rises again after it, as torch's)." },
  cosine_hold: { fields: ["T_max", "eta_min"], text: "η glides down along a cosine over T steps, then stays at η_min (not a torch scheduler: torch's cosine rises again)." },
};

const CLIP_DEFAULT = 1; // the norm offered when clipping is switched on

export class RunOptions {
  /** @param {{onChange(changes), onInvalid(message)}} h  changes: field → value, or undefined to remove */
  constructor(h) {
    this.h = h;
    this.box = $("run-options");
    this.summary = $("run-options-summary");
    this.select = $("schedule-select");
    this.scheduleHint = $("schedule-hint");
    this.clipToggle = $("clip-toggle");
    this.clipInput = $("clip-input");
    this.noiseInput = $("noise-input");
    this.rows = {};
    for (const [name, f] of Object.entries(SCHEDULE_FIELDS)) {
      const input = $(`schedule-${name}`);
      input.min = String(f.min);
      input.max = String(f.max);
      input.step = f.int ? "1" : "any";
      input.title = `${f.doc} (${fmt(f.min)} … ${fmt(f.max)})`;
      this.rows[name] = input.closest(".option-row");
      this.onCommit(input, () => this.commitNumber(input, f, (v) => ({ [name]: v })));
    }
    this.select.addEventListener("change", () => this.changeSchedule(this.select.value));
    this.clipToggle.addEventListener("change", () => {
      this.clipInput.disabled = !this.clipToggle.checked;
      if (!this.clipToggle.checked) this.h.onChange({ clip_norm: undefined });
      else this.commitNumber(this.clipInput, bounds("clip_norm"), (v) => ({ clip_norm: v }), true);
    });
    this.onCommit(this.clipInput, () => this.commitNumber(this.clipInput, bounds("clip_norm"), (v) => ({ clip_norm: v })));
    this.onCommit(this.noiseInput, () => this.commitNumber(this.noiseInput, bounds("noise"), (v) => ({ noise: v > 0 ? v : undefined })));
  }

  /** Enter and the input's own `change` both commit; the value is reported once. */
  onCommit(input, fn) {
    input.addEventListener("change", fn);
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") fn(); });
  }

  commitNumber(input, f, toChanges, force = false) {
    const v = Number(input.value);
    const ok = input.value.trim() !== "" && Number.isFinite(v) && (f.exclusiveMin ? v > f.min : v >= f.min) && v <= f.max && (!f.int || Number.isInteger(v));
    input.classList.toggle("invalid", !ok);
    input.setAttribute("aria-invalid", ok ? "false" : "true");
    if (!ok) {
      const what = input.labels?.[0]?.textContent?.trim() || input.id;
      this.h.onInvalid(`${what} must be ${f.int ? "a whole number " : ""}${f.exclusiveMin ? "above" : "from"} ${fmt(f.min)} ${f.exclusiveMin ? "and at most" : "to"} ${fmt(f.max)}.`);
      return;
    }
    if (!force && input.dataset.committed === String(v)) return;
    input.dataset.committed = String(v);
    this.h.onChange(toChanges(v));
  }

  changeSchedule(kind) {
    const keep = new Set(SCHEDULES[kind].fields);
    const changes = { schedule: kind === "constant" ? undefined : kind };
    // The new schedule's fields as shown; the old schedule's fields go.
    for (const name of Object.keys(SCHEDULE_FIELDS)) {
      changes[name] = keep.has(name) ? this.fieldValue(name) : undefined;
    }
    this.showFields(kind);
    this.h.onChange(changes);
  }

  fieldValue(name) {
    const v = Number($(`schedule-${name}`).value);
    return Number.isFinite(v) ? v : SCHEDULE_FIELDS[name].default;
  }

  showFields(kind) {
    const used = new Set(SCHEDULES[kind]?.fields ?? []);
    for (const [name, row] of Object.entries(this.rows)) row.hidden = !used.has(name);
    this.scheduleHint.textContent = SCHEDULES[kind]?.text ?? "";
  }

  /** Fill the controls from a run's settings. */
  show(spec) {
    const kind = spec.schedule ?? "constant";
    this.select.value = kind;
    for (const [name, f] of Object.entries(SCHEDULE_FIELDS)) {
      const input = $(`schedule-${name}`);
      const v = spec[name] ?? f.default;
      input.value = inputValue(v);
      input.dataset.committed = String(v);
      input.classList.remove("invalid");
    }
    this.showFields(kind);
    const clip = spec.clip_norm;
    this.clipToggle.checked = clip !== undefined;
    this.clipInput.disabled = clip === undefined;
    if (clip !== undefined) this.clipInput.value = inputValue(clip);
    else if (!this.clipInput.value) this.clipInput.value = String(CLIP_DEFAULT);
    this.clipInput.dataset.committed = clip === undefined ? "" : String(clip);
    this.noiseInput.value = inputValue(spec.noise ?? 0);
    this.noiseInput.dataset.committed = String(spec.noise ?? 0);
    this.showSummary(spec);
    if (runExtras(spec).length) this.box.open = true; // a run that uses them shows them
  }

  showSummary(spec) {
    const extras = runExtras(spec);
    this.summary.textContent = extras.length ? extras.join(" · ") : "off";
  }
}
