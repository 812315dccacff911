// What the scenario trains — a named surface, a typed f(x, y) (docs/expressions.md) or a
// model (docs/models.md) — and what each kind of objective shows and which tools apply,
// read from the kinds the server registers (GET /api/schema `kinds`,
// gdviz/scenarios/kinds/). Nothing here names a kind: a kind's entry says how a link names
// it (`named_by`), what it can do (`capabilities`: weights "plane" — contour, 3D, a start
// to click, the landscape tools — or "vector"; init; diagnosis; slice; task; held_out)
// and what the page shows of it (`page`: main view, Explore tabs, curves, readouts).

import { SCHEMA } from "./schema.js";
import { objectiveToQuery } from "./url.js";

const KINDS = new Map((SCHEMA?.kinds ?? []).map((k) => [k.id, k]));
const NAMING = SCHEMA?.scenario ?? { named_by: [], companions: {} };

/** The picker's value for a model kind (surface ids are used as they are). */
export const modelValue = (kind) => `model:${kind}`;

/** The picker's value for "Custom f(x, y)…" (no surface id has a colon). */
export const CUSTOM_VALUE = "expr:";

/** The x/y range of a typed f(x, y) when the scenario gives none. */
export const DEFAULT_DOMAIN = NAMING.default_domain;

const given = (v) => v !== null && v !== undefined;

/** The scenario field that names its objective: the first of the schema's `named_by` it
 *  gives (with none, the last: a named surface, the server's default). */
export const namingKey = (scenario) => NAMING.named_by.find((k) => given(scenario?.[k])) ?? NAMING.named_by.at(-1);

/** The registry entry of kind `id` (undefined for an unknown id). */
export const kindById = (id) => KINDS.get(id);

/** The registry entry of the scenario's objective kind. */
export function kindOf(scenario) {
  const key = namingKey(scenario);
  if (key === NAMING.model_key) return KINDS.get(scenario.model.kind);
  return [...KINDS.values()].find((k) => k.named_by === key);
}

/** Whether a described model (POST /api/model's answer) is fitted to targets (its kind's
 *  task is regression), not to classes. */
export const regression = (desc) => kindById(desc.kind)?.capabilities.task === "regression";

/** Whether a described model's frames carry its weights only on the newest frame of each
 *  message (its kind's `thin_frames`: a network's hundreds of weights). */
export const sendsThin = (desc) => Boolean(kindById(desc.kind)?.capabilities.thin_frames);

/** The scenario's kind id ("surface", "expr", "linreg2", …). */
export const objectiveKind = (scenario) => kindOf(scenario).id;

/** The kinds a scenario's `model` may be, in the registry's order. */
export const modelKinds = () => [...KINDS.values()].filter((k) => k.named_by === NAMING.model_key);

/** Whether the scenario trains on a typed f(x, y). */
export const isExpr = (scenario) => namingKey(scenario) === "expr";

/** Whether the scenario trains a model (its kind is built from a spec, on data). */
export const isModel = (scenario) => kindOf(scenario).named_by === NAMING.model_key;

/** The objective picker's value for the scenario. */
export function pickerValue(scenario) {
  if (isModel(scenario)) return modelValue(scenario.model.kind);
  return isExpr(scenario) ? CUSTOM_VALUE : scenario.surface;
}

/** Two weights (a surface or a 2-weight model): contour, 3D, start by clicking, paths, and the
 *  landscape tools (stability, sweep, basins, starts) — docs/models.md. */
export const hasWeightPlane = (scenario) => kindOf(scenario).capabilities.weights === "plane";
export const landscapeToolsApply = hasWeightPlane;

/**
 * The Explore panel's tabs for this objective (the first is shown by default) and a
 * one-line note on the tools it lacks.
 */
export function exploreTabsFor(scenario) {
  const { page } = kindOf(scenario);
  return { tabs: [...page.tabs], note: page.note };
}

/** What a landscape request or a run names: `{surface}`, `{expr, domain?}` or `{model}`. */
export function objectiveField(scenario) {
  const key = namingKey(scenario);
  const out = { [key]: structuredClone(scenario[key]) };
  const companion = NAMING.companions[key];
  if (companion && given(scenario[companion])) out[companion] = structuredClone(scenario[companion]);
  return out;
}

/** The objective as one string: what a result was computed on, to compare with what is shown now. */
export const objectiveKey = (scenario) => JSON.stringify(objectiveField(scenario));

/**
 * The objective as a link names it (`surface=bowl`, `expr=x^2&domain=-1,1,-2,2`, or
 * `model=linreg2&model.noise=0.1&…`), spelt as links are: GET /api/stability reads it with
 * the links' own reader (`objective_from_query`).
 */
export const objectiveParams = (scenario) => Object.fromEntries(objectiveToQuery(SCHEMA, scenario));
