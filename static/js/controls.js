// The control column: builds the inputs from the server's lists and reports changes.

import { fmt, inputValue } from "./format.js";
import { CUSTOM_VALUE, modelValue } from "./objective.js";
import { LIMITS } from "./schema.js";

const LR_LOG_MIN = -4; // slider covers 1e-4 … 10; the typed input may go beyond (server limits)
const LR_LOG_MAX = 1;
const SPEED_MIN = 1;
const SPEED_MAX = 500;
const SPEED_SLIDER_MAX = 1000;

const LABELS = {
  momentum: ["momentum", "μ"],
  dampening: ["dampening", ""],
  alpha: ["alpha", "α"],
  betas: ["betas", "β"],
  eps: ["eps", "ε"],
  weight_decay: ["weight decay", "wd"], // (not λ: on this page λ is a curvature, an eigenvalue of the Hessian)
  lr_decay: ["lr decay", ""],
  initial_accumulator_value: ["initial accumulator", ""],
};

const $ = (id) => document.getElementById(id);

/** Round to 3 significant digits so slider values read well (0.0501, not 0.05011872). */
const round3 = (v) => Number(v.toPrecision(3));

export function speedFromSlider(v) {
  const s = SPEED_MIN * (SPEED_MAX / SPEED_MIN) ** (v / SPEED_SLIDER_MAX);
  return s < 20 ? Math.round(s) : Math.round(s / 5) * 5;
}

export function sliderFromSpeed(s) {
  const c = Math.min(Math.max(s, SPEED_MIN), SPEED_MAX);
  return Math.round((Math.log(c / SPEED_MIN) / Math.log(SPEED_MAX / SPEED_MIN)) * SPEED_SLIDER_MAX);
}

function inRange(v, spec) {
  return Number.isFinite(v) && (spec.min === undefined || spec.min === null || v >= spec.min)
    && (spec.max === undefined || spec.max === null || v <= spec.max);
}

function limitsText(name, spec) {
  return `${name} must be between ${fmt(spec.min)} and ${fmt(spec.max)}.`;
}

export class Controls {
  /**
   * @param {object} h  handlers: onSurface(id), onOptimizer(id), onLr(v, {final}), onHyper(name, value),
   *                    onSpeed(v), onPlayPause(), onStep(), onReset(), onInvalid(message)
   */
  constructor(h) {
    this.h = h;
    this.surfaceSelect = $("surface-select");
    this.optimizerSelect = $("optimizer-select");
    this.lrSlider = $("lr-slider");
    this.lrInput = $("lr-input");
    this.hyperBox = $("hyperparams");
    this.speedSlider = $("speed-slider");
    this.speedValue = $("speed-value");
    this.playBtn = $("btn-play");
    this.lrSpec = { min: LIMITS.lr[0], max: LIMITS.lr[1] }; // (until an optimizer gives its own)
    this.lrSlider.min = String(LR_LOG_MIN);
    this.lrSlider.max = String(LR_LOG_MAX);

    this.surfaceSelect.addEventListener("change", () => h.onSurface(this.surfaceSelect.value));
    this.optimizerSelect.addEventListener("change", () => h.onOptimizer(this.optimizerSelect.value));

    this.lrSlider.addEventListener("input", () => {
      const v = round3(10 ** Number(this.lrSlider.value));
      this.lrInput.value = inputValue(v);
      this.markValid(this.lrInput, true);
      h.onLr(v, { final: false });
    });
    this.lrSlider.addEventListener("change", () => h.onLr(round3(10 ** Number(this.lrSlider.value)), { final: true }));
    this.lrInput.addEventListener("change", () => this.commitLr());
    this.lrInput.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.commitLr(); });

    this.speedSlider.min = "0";
    this.speedSlider.max = String(SPEED_SLIDER_MAX);
    this.speedSlider.addEventListener("input", () => {
      const s = speedFromSlider(Number(this.speedSlider.value));
      this.speedValue.textContent = `${s} steps/s`;
      h.onSpeed(s);
    });

    this.playBtn.addEventListener("click", () => h.onPlayPause());
    $("btn-step").addEventListener("click", () => h.onStep());
    $("btn-reset").addEventListener("click", () => h.onReset());
  }

  markValid(input, ok, message = "") {
    input.classList.toggle("invalid", !ok);
    input.setAttribute("aria-invalid", ok ? "false" : "true");
    input.title = message;
  }

  commitLr() {
    const v = Number(this.lrInput.value);
    if (this.lrInput.value.trim() === "" || !inRange(v, this.lrSpec)) {
      const msg = limitsText("Learning rate η", this.lrSpec);
      this.markValid(this.lrInput, false, msg);
      this.h.onInvalid(msg);
      return;
    }
    if (v === this.lastLr) return;
    this.markValid(this.lrInput, true);
    this.setLr(v);
    this.h.onLr(v, { final: true });
  }

  /**
   * The objective picker: the named surfaces, a "Models" group (values "model:<kind>"),
   * then "Custom f(x, y)…" (a formula typed in the page).
   * @param {{id, name}[]} surfaces  @param {{kind, title}[]} models  @param {string} selected  a picker value
   */
  setObjectives(surfaces, models, selected) {
    const group = (label, options) => {
      const g = document.createElement("optgroup");
      g.label = label;
      g.append(...options);
      return g;
    };
    const groups = [group("Surfaces", surfaces.map((s) => new Option(s.name, s.id)))];
    if (models.length) groups.push(group("Models", models.map((m) => new Option(m.title, modelValue(m.kind)))));
    groups.push(group("Your own", [new Option("Custom f(x, y)…", CUSTOM_VALUE)]));
    this.surfaceSelect.replaceChildren(...groups);
    this.surfaceSelect.value = selected;
    this.surfaceSelect.disabled = false;
  }

  setOptimizers(list, selected) {
    this.optimizerSelect.replaceChildren(...list.map((o) => new Option(o.name, o.id, false, o.id === selected)));
    this.optimizerSelect.value = selected;
    this.optimizerSelect.disabled = false;
  }

  setSurfaceValue(id) { this.surfaceSelect.value = id; }

  /** Show the learning rate without reporting a change. */
  setLr(v) {
    this.lastLr = v;
    this.lrInput.value = inputValue(v);
    this.lrSlider.value = String(Math.min(Math.max(Math.log10(v), LR_LOG_MIN), LR_LOG_MAX));
    this.markValid(this.lrInput, true);
  }

  setSpeed(s) {
    this.speedSlider.value = String(sliderFromSpeed(s));
    this.speedValue.textContent = `${s} steps/s`;
  }

  /** Build the inputs for one optimizer and fill them from a run's settings. */
  showOptimizer(opt, run) {
    this.optimizerSelect.value = opt.id;
    this.lrSpec = opt.params.lr ?? { min: LIMITS.lr[0], max: LIMITS.lr[1] };
    this.lrInput.min = String(this.lrSpec.min);
    this.lrInput.max = String(this.lrSpec.max);
    this.setLr(run.lr);
    const rows = [];
    for (const [name, spec] of Object.entries(opt.params)) {
      if (name === "lr") continue;
      rows.push(this.hyperRow(name, spec, run[name] ?? spec.default));
    }
    this.hyperBox.replaceChildren(...rows);
    this.hyperBox.hidden = rows.length === 0;
  }

  /** Update shown hyperparameter values (e.g. the server's resolved defaults). */
  fillHyper(values) {
    for (const [name, value] of Object.entries(values)) {
      if (name === "lr") continue;
      const inputs = this.hyperBox.querySelectorAll(`[data-param="${CSS.escape(name)}"]`);
      inputs.forEach((input) => {
        const v = Array.isArray(value) ? value[Number(input.dataset.index)] : value;
        if (document.activeElement === input) return;
        if (input.type === "checkbox") input.checked = Boolean(v);
        else if (typeof v === "number") input.value = inputValue(v);
      });
      const row = inputs[0]?.closest(".hyper-row");
      if (row && inputs[0].type !== "checkbox") {
        row.dataset.committed = JSON.stringify([...inputs].map((f) => Number(f.value)));
      }
    }
  }

  hyperRow(name, spec, value) {
    const [label, sym] = LABELS[name] ?? [name.replaceAll("_", " "), ""];
    const row = document.createElement("div");
    row.className = "hyper-row";
    if (spec.doc) row.title = `${spec.doc} (${fmt(spec.min)} … ${fmt(spec.max)})`;
    const id = `hp-${name}`;
    const lab = document.createElement("label");
    lab.htmlFor = Array.isArray(spec.default) ? `${id}-0` : id;
    lab.textContent = label;
    if (sym) {
      const s = document.createElement("span");
      s.className = "sym";
      s.textContent = ` ${sym}`;
      lab.append(s);
    }
    row.append(lab);
    const inputs = document.createElement("div");
    inputs.className = "hyper-inputs";
    row.append(inputs);

    if (typeof spec.default === "boolean") {
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.id = id;
      cb.dataset.param = name;
      cb.checked = Boolean(value);
      cb.addEventListener("change", () => this.h.onHyper(name, cb.checked));
      inputs.append(cb);
      return row;
    }

    const isPair = Array.isArray(spec.default);
    const n = isPair ? spec.default.length : 1;
    const fields = [];
    for (let i = 0; i < n; i++) {
      const input = document.createElement("input");
      input.type = "number";
      input.className = "num";
      input.step = "any";
      input.inputMode = "decimal";
      input.id = isPair ? `${id}-${i}` : id;
      input.dataset.param = name;
      input.dataset.index = String(i);
      if (spec.min !== undefined && spec.min !== null) input.min = String(spec.min);
      if (spec.max !== undefined && spec.max !== null) input.max = String(spec.max);
      const v = isPair ? value[i] : value;
      input.value = inputValue(v);
      if (isPair) input.setAttribute("aria-label", `${label} ${sym}${i + 1}`);
      fields.push(input);
      inputs.append(input);
    }
    row.dataset.committed = JSON.stringify(fields.map((f) => Number(f.value)));
    const commit = () => {
      const vals = fields.map((f) => Number(f.value));
      const bad = fields.filter((f, i) => f.value.trim() === "" || !inRange(vals[i], spec));
      fields.forEach((f) => this.markValid(f, !bad.includes(f), bad.includes(f) ? limitsText(label, spec) : ""));
      if (bad.length) {
        this.h.onInvalid(limitsText(label, spec));
        return;
      }
      // Enter fires both our keydown and the input's own change: report a value once.
      const key = JSON.stringify(vals);
      if (key === row.dataset.committed) return;
      row.dataset.committed = key;
      this.h.onHyper(name, isPair ? vals : vals[0]);
    };
    for (const f of fields) {
      f.addEventListener("change", commit);
      f.addEventListener("keydown", (ev) => { if (ev.key === "Enter") commit(); });
    }
    return row;
  }

  setPlaying(playing) {
    this.playBtn.querySelector(".btn-label").textContent = playing ? "Pause" : "Play";
    this.playBtn.setAttribute("aria-pressed", playing ? "true" : "false");
    this.playBtn.classList.toggle("is-playing", playing);
  }
}
