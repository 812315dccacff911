// What the scenario trains — a named surface or a model (docs/models.md) — and, in
// this one place, what each kind of objective shows and which tools apply to it.
//
//   surface            contour + 3D; the Explore tools (stability, sweep, basins, starts)
//   linreg2, logreg2   2 weights: contour + 3D of the weight plane, data & fit, diagnosis
//   mlp                hundreds of weights: decision boundary, train/test curves,
//                      per-layer gradient norms, loss-landscape slice, diagnosis

export const MODEL_KINDS = ["linreg2", "logreg2", "mlp"];

/** The picker's value for a model kind (surface ids are used as they are). */
export const modelValue = (kind) => `model:${kind}`;

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
  surface: ["3d", "stability", "sweep", "basins", "scatter"],
  linreg2: ["fit", "3d", "why", "stability", "sweep"],
  logreg2: ["fit", "3d", "why", "stability", "sweep"],
  mlp: ["why", "slice"],
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

/** What a landscape request or a run names: `{surface}` or `{model}`. */
export function objectiveField(scenario) {
  return scenario.model ? { model: structuredClone(scenario.model) } : { surface: scenario.surface };
}

/** The objective as one string: what a result was computed on, to compare with what is shown now. */
export const objectiveKey = (scenario) => JSON.stringify(objectiveField(scenario));

/** The objective as a link names it (`surface=bowl`, or `model=linreg2&model.noise=0.1`). */
export function objectiveParams(scenario) {
  if (!scenario.model) return { surface: scenario.surface };
  const out = { model: scenario.model.kind };
  for (const [k, v] of Object.entries(scenario.model)) {
    if (k !== "kind" && v !== null && v !== undefined) out[`model.${k}`] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}
