// The model's options (docs/models.md): data set, points, noise, layers, activation,
// head, init, batch size… The fields a kind offers and their labels are its registry
// entry's (`page.options`), their choices, defaults and ranges its spec's (the schema's
// model catalog, as GET /api/models), so the page offers exactly what the server takes;
// the summary lines are the server's description of the built model. Every change
// restarts the runs on the new model (a new `start`).

import { fmt, inputValue } from "../format.js";
import { kindById } from "../objective.js";

const $ = (id) => document.getElementById(id);
/** A field's bound as typed: a whole number exactly (2048, not fmt's 2050). */
const bound = (v) => (Number.isInteger(v) ? String(v) : fmt(v));

/** Words for choices whose ids are terse. */
export const CHOICE_NAMES = {
  softmax_ce: "softmax + CE",
  sigmoid_bce: "sigmoid + BCE",
  mse: "MSE (one-hot)",
  leaky_relu: "leaky relu",
  xavier: "xavier",
  glorot: "glorot (normalised)",
  he: "he / kaiming",
  zeros: "zeros",
  large: "large N(0, 1)",
};

const choiceName = (c) => CHOICE_NAMES[c] ?? c;

/** "16,16" → [16, 16]; "" → [] (no hidden layer: a linear model); or an error sentence. */
export function parseHidden(text, maxLayers, maxWidth) {
  const t = text.trim();
  if (t === "" || t === "0" || t === "-") return { value: [] };
  const parts = t.split(/[\s,;x×]+/).filter(Boolean);
  const nums = parts.map(Number);
  if (parts.length > maxLayers || nums.some((n) => !Number.isInteger(n) || n < 1 || n > maxWidth)) {
    return { error: `Hidden layers: up to ${maxLayers} numbers from 1 to ${maxWidth}, separated by commas (e.g. 16,16), or empty for none.` };
  }
  return { value: nums };
}

export class ModelOptions {
  /** @param {{onChange(changes), onInvalid(message)}} h  changes: field → value (undefined = the default) */
  constructor(h) {
    this.h = h;
    this.box = $("model-options");
    this.fieldsBox = $("model-fields");
    this.summary = $("model-summary");
    this.batches = $("model-batches");
    this.catalog = new Map(); // kind → {title, fields, datasets, width_max}
    this.kind = null;
  }

  setCatalog(list) {
    this.catalog = new Map(list.map((m) => [m.kind, m]));
  }

  /** Show the options of `spec` (a scenario's model), or hide the block (null: a surface).
   *  The summary beside it is the last model's until this one is described. */
  show(spec) {
    this.box.hidden = !spec;
    if (!spec) {
      this.kind = null;
      return;
    }
    const entry = this.catalog.get(spec.kind);
    if (!entry) return;
    if (spec.kind !== this.kind) this.summary.textContent = this.batches.textContent = "";
    this.kind = spec.kind;
    this.spec = spec;
    const rows = [];
    for (const [name, label] of kindById(spec.kind).page.options) {
      const info = entry.fields[name];
      if (!info) continue;
      const row = this.row(name, label, info, spec, entry);
      if (row) rows.push(row);
    }
    this.fieldsBox.replaceChildren(...rows);
  }

  /** The server's lines about the built model: its summary (data, shape, batch) and detail
   *  (its data's formula; a network's points, batches per epoch and weights). */
  describe(desc) {
    if (!desc || desc.kind !== this.kind) return;
    this.summary.textContent = desc.summary ?? "";
    this.batches.textContent = desc.detail ?? "";
  }

  row(name, label, info, spec, entry) {
    const id = `model-${name}`;
    const row = document.createElement("div");
    row.className = "option-row";
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    if (info.doc) lab.title = info.doc;
    row.append(lab);
    const value = spec[name];
    let input;
    if (info.choices) {
      input = document.createElement("select");
      for (const c of info.choices) input.append(new Option(choiceName(c), c));
      input.value = value ?? info.default;
      if (name === "head" && this.classesOf(spec, entry) !== 2) {
        for (const o of input.options) o.disabled = o.value === "sigmoid_bce"; // two classes only
      }
      input.addEventListener("change", () => this.commit(name, input.value));
    } else if (typeof info.default === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = Boolean(value ?? info.default);
      input.addEventListener("change", () => this.commit(name, input.checked || undefined));
    } else if (name === "hidden") {
      input = document.createElement("input");
      input.type = "text";
      input.className = "num num-layers";
      input.inputMode = "numeric";
      input.spellcheck = false;
      input.placeholder = "none";
      input.value = (value ?? info.default ?? []).join(",");
      const max = info.max_items;
      const width = entry.width_max;
      input.title = `Units per hidden layer, e.g. 16,16 (up to ${max} layers of 1 to ${width}); empty = no hidden layer`;
      this.onCommit(input, () => {
        const r = parseHidden(input.value, max, width);
        this.mark(input, !r.error);
        if (r.error) return this.h.onInvalid(r.error);
        input.value = r.value.join(",");
        if (r.value.join() !== (spec.hidden ?? info.default ?? []).join()) this.commit(name, r.value);
      });
    } else {
      const ds = entry.datasets?.[spec.dataset ?? entry.fields.dataset?.default];
      if (name === "classes" && ds?.classes === undefined) return null; // only spiral and blobs take it
      input = document.createElement("input");
      input.type = "number";
      input.className = "num num-short";
      input.step = name === "n" || name === "classes" || name === "batch_size" ? "1" : "any";
      input.inputMode = input.step === "1" ? "numeric" : "decimal";
      if (info.min !== undefined) input.min = String(info.min);
      if (info.max !== undefined) input.max = String(info.max);
      // null defaults: the data set's own noise / classes; the full batch
      const fallback = name === "noise" || name === "classes" ? ds?.[name] : null;
      const shown = value ?? info.default ?? fallback;
      input.value = shown === null || shown === undefined ? "" : inputValue(shown);
      if (name === "batch_size") {
        input.placeholder = "full";
        input.title = "Samples per step: 1 = SGD, empty = the full batch (every training point)";
      } else {
        input.title = `${info.doc ?? label} (${bound(info.min)} … ${bound(info.max)})`;
      }
      this.onCommit(input, () => {
        const raw = input.value.trim();
        if (raw === "" && (name === "batch_size" || info.default === null)) {
          this.mark(input, true);
          return this.commit(name, undefined);
        }
        const v = Number(raw);
        const whole = input.step === "1";
        const ok = raw !== "" && Number.isFinite(v) && v >= info.min && v <= info.max && (!whole || Number.isInteger(v));
        this.mark(input, ok);
        if (!ok) return this.h.onInvalid(`${label}: ${whole ? "a whole number " : ""}from ${bound(info.min)} to ${bound(info.max)}.`);
        if (v !== (value ?? fallback ?? info.default)) this.commit(name, v);
      });
    }
    input.id = id;
    input.dataset.field = name;
    input.dataset.committed = input.value;
    row.append(input);
    return row;
  }

  classesOf(spec, entry) {
    const ds = entry.datasets?.[spec.dataset ?? entry.fields.dataset?.default];
    return spec.classes ?? ds?.classes ?? 2;
  }

  /** Enter and the input's own `change` both commit; a value is reported once. */
  onCommit(input, fn) {
    const run = () => {
      if (input.value === input.dataset.committed) return;
      input.dataset.committed = input.value;
      fn();
    };
    input.addEventListener("change", run);
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") run(); });
  }

  mark(input, ok) {
    input.classList.toggle("invalid", !ok);
    input.setAttribute("aria-invalid", ok ? "false" : "true");
  }

  commit(name, value) {
    const changes = { [name]: value };
    // A new data set brings its own noise and classes; a head it cannot take goes.
    if (name === "dataset") {
      changes.noise = undefined;
      changes.classes = undefined;
      const entry = this.catalog.get(this.kind);
      const classes = entry?.datasets?.[value]?.classes ?? 2;
      if (classes !== 2 && this.spec.head === "sigmoid_bce") changes.head = undefined;
    }
    if (name === "classes" && value !== 2 && this.spec.head === "sigmoid_bce") changes.head = undefined;
    this.h.onChange(changes);
  }
}
