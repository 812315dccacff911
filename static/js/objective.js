// What the scenario trains — a named surface, a typed f(x, y) (docs/expressions.md) or
// a model (docs/models.md) — and, in this one place, what each kind of objective shows
// and which tools apply to it.
//
//   surface            contour + 3D, the update's arithmetic; the Explore tools (stability,
//                      sweep, basins, starts).
//                      A typed f(x, y) (`expr`, with an optional `domain`) is shown and
//                      explored as a surface, plus its gradient's formula.
//   linreg2, logreg2   2 weights: contour + 3D of the weight plane, data & fit, one point's
//                      backprop, the loss head, the update's arithmetic, diagnosis
//   mlp                hundreds of weights: decision boundary, the network diagram, one
//                      point's backprop, the output head, train/test curves, per-layer
//                      gradient norms, loss-landscape slice, diagnosis

export const MODEL_KINDS = ["linreg2", "logreg2", "mlp"];

/** The picker's value for a model kind (surface ids are used as they are). */
export const modelValue = (kind) => `model:${kind}`;

/** The picker's value for "Custom f(x, y)…" (no surface id has a colon). */
export const CUSTOM_VALUE = "expr:";

/** The x/y range of a typed f(x, y) when the scenario gives none (gdviz/engine/expr/surface.py). */
export const DEFAULT_DOMAIN = [[-3, 3], [-3, 3]];

/** Whether the scenario trains on a typed f(x, y). */
export const isExpr = (scenario) => !scenario?.model && typeof scenario?.expr === "string";

/** The objective picker's value for the scenario. */
export function pickerValue(scenario) {
  if (scenario.model) return modelValue(scenario.model.kind);
  return isExpr(scenario) ? CUSTOM_VALUE : scenario.surface;
}

/** "surface", "linreg2", "logreg2" or "mlp". */
export function objectiveKind(scenario) {
  return scenario?.model ? scenario.model.kind : "surface";
}

export const isModel = (scenario) => objectiveKind(scenario) !== "surface";
export const isNetwork = (scenario) => objectiveKind(scenario) === "mlp";
/** Two weights (a surface or linreg2/logreg2): contour, 3D, start by clicking, paths. */
export const hasWeightPlane = (scenario) => !isNetwork(scenario);

// The landscape tools take a surface or a 2-weight model (docs/models.md). Basins and
// scattered starts are left out for the 2-weight models: their losses are convex, with
// one minimum (or none), so every start ends in the same place.
const TABS = {
  surface: ["3d", "step", "stability", "sweep", "basins", "scatter"],
  linreg2: ["fit", "3d", "net", "backprop", "head", "step", "why", "stability", "sweep"],
  logreg2: ["fit", "3d", "net", "backprop", "head", "step", "why", "stability", "sweep"],
  mlp: ["net", "backprop", "head", "why", "slice"],
};
const NOTES = {
  linreg2: "No basin map: one minimum.",
  logreg2: "No basin map: one minimum.",
  mlp: "Stability, sweep, basins: 2-weight objectives only.",
};

/** Whether the landscape tools (stability, sweep, basins, starts) work on this objective. */
export const landscapeToolsApply = (scenario) => hasWeightPlane(scenario);

/**
 * The Explore panel's tabs for this objective (the first is shown by default) and a
 * one-line note on the tools it lacks.
 */
export function exploreTabsFor(scenario) {
  const kind = objectiveKind(scenario);
  return { tabs: TABS[kind], note: NOTES[kind] ?? "" };
}

/** What a landscape request or a run names: `{surface}`, `{expr, domain?}` or `{model}`. */
export function objectiveField(scenario) {
  if (scenario.model) return { model: structuredClone(scenario.model) };
  if (isExpr(scenario)) {
    return scenario.domain ? { expr: scenario.expr, domain: structuredClone(scenario.domain) } : { expr: scenario.expr };
  }
  return { surface: scenario.surface };
}

/** The objective as one string: what a result was computed on, to compare with what is shown now. */
export const objectiveKey = (scenario) => JSON.stringify(objectiveField(scenario));

/**
 * The objective as a link names it (`surface=bowl`, `expr=x^2&domain=-1,1,-2,2`, or
 * `model=linreg2&model.noise=0.1`); numbers in JS's spelling (GET /api/stability reads them).
 */
export function objectiveParams(scenario) {
  if (isExpr(scenario)) {
    return scenario.domain ? { expr: scenario.expr, domain: scenario.domain.flat().join(",") } : { expr: scenario.expr };
  }
  if (!scenario.model) return { surface: scenario.surface };
  const out = { model: scenario.model.kind };
  for (const [k, v] of Object.entries(scenario.model)) {
    if (k !== "kind" && v !== null && v !== undefined) out[`model.${k}`] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}
