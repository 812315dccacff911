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

const LANDSCAPE_TABS = ["stability", "sweep", "basins", "scatter"];
const TABS = {
  surface: ["3d", ...LANDSCAPE_TABS],
  linreg2: ["fit", "3d", "why"],
  logreg2: ["fit", "3d", "why"],
  mlp: ["why", "slice"],
};

/** Whether the Explore tools (stability, sweep, basins, starts) work on this objective. */
export const landscapeToolsApply = (scenario) => objectiveKind(scenario) === "surface";

/**
 * The Explore panel's tabs for this objective (the first is shown by default) and a
 * one-line note on the tools it lacks.
 */
export function exploreTabsFor(scenario) {
  const kind = objectiveKind(scenario);
  return {
    tabs: TABS[kind],
    note: landscapeToolsApply(scenario) ? "" : "Stability, η sweep, basins and starts: named surfaces only.",
  };
}
