// Links (docs/url.md, `v=1`), read and written from the link schema the server publishes
// (GET /api/schema, gdviz/scenarios/schema.py) — this module knows no key, field, kind or
// default of its own. As the student changes things, the query string of `/` follows, so
// the address bar is always a link to what is on screen.
//
// Written as gdviz/scenarios/url.py and view.py write them: v=1, the objective (the first
// of `schema.scenario.named_by` the scenario gives: a model and each of its fields in the
// kind's field order, defaults filled in; or an expr and its domain; or a surface), then
// `steps`, `seed`, `speed`, then per run `rK=<optimizer>` and `rK.<field>` in the schema's
// field order; then the view keys that differ from the route's defaults, in the schema's
// order. Lists as `a,b`; numbers as Python's repr() (`1e-05`, `0.5`), integral ones
// without `.0`; booleans as the section spells them (`true`/`false`, view `1`/`0`).
// tests/js/url.test.mjs checks the page writes exactly what the server writes.

const WRITE_EVERY_MS = 300; // replaceState at most this often (a slider drag is many edits)

/** A number as Python's `repr(float(x))` spells it, with `.0` dropped (url.py `fmt_number`). */
export function pyNumber(x) {
  if (!Number.isFinite(x)) return String(x); // the scenario never holds these
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, expText] = x.toExponential().split("e"); // shortest digits that round-trip
  const exp = Number(expText);
  // repr() writes plain decimals for 1e-4 ≤ |x| < 1e16, and there JS's own shortest form agrees.
  if (exp >= -4 && exp < 16) return String(x);
  const sign = exp < 0 ? "-" : "+";
  return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** One value as a link section spells it (`section.true`/`section.false` for booleans). */
export function spell(v, section) {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? section.true : section.false;
  if (Array.isArray(v)) return v.map((x) => spell(x, section)).join(",");
  return pyNumber(Number(v));
}

const given = (v) => v !== null && v !== undefined;

/** The schema's entry of a model kind (its fields in order, with their defaults), or undefined. */
const modelEntry = (schema, kind) => schema.kinds.find((k) => k.id === kind)?.model;

/**
 * The objective's keys, in order: `model=kind` and `model.<field>` for every field (its
 * default where the scenario leaves it out), or `expr` and `domain`, or `surface`.
 * @returns {[string, string][]}
 */
export function objectiveToQuery(schema, scenario) {
  const sc = schema.scenario;
  const key = sc.named_by.find((k) => given(scenario[k]));
  if (key === undefined) return [];
  if (key !== sc.model_key) {
    const q = [[key, spell(scenario[key], sc)]];
    const companion = sc.companions[key]; // an expr's domain
    if (companion && given(scenario[companion])) q.push([companion, spell(scenario[companion], sc)]);
    return q;
  }
  const spec = scenario[key];
  const fields = modelEntry(schema, spec.kind)?.fields ?? {};
  const q = [[key, spec.kind]];
  const names = [...Object.keys(fields), ...Object.keys(spec).filter((k) => k !== "kind" && !(k in fields))];
  for (const name of names) {
    const v = given(spec[name]) ? spec[name] : fields[name]?.default;
    if (given(v)) q.push([`${key}.${name}`, spell(v, sc)]);
  }
  return q;
}

/**
 * The query parameters, in order, of a scenario as `start` takes it.
 * @param {object} schema  GET /api/schema
 * @param {object} scenario  {surface | expr (+ domain) | model, runs, steps, seed, speed}
 * @returns {[string, string][]}
 */
export function scenarioToQuery(schema, scenario) {
  const sc = schema.scenario;
  const q = [["v", schema.version], ...objectiveToQuery(schema, scenario)];
  for (const { key } of sc.top) q.push([key, spell(scenario[key], sc)]);
  const { prefix, first, fields } = sc.run;
  scenario.runs.forEach((run, i) => {
    q.push([`${prefix}${i}`, spell(run[first], sc)]);
    const names = [...fields, ...Object.keys(run).filter((k) => k !== first && !fields.includes(k))];
    for (const name of names) if (given(run[name])) q.push([`${prefix}${i}.${name}`, spell(run[name], sc)]);
  });
  return q;
}

/**
 * Do two scenarios hold the same numbers? Compared as their links spell them
 * (`scenarioToQuery`: the canonical form a link round-trips to, so 0.30 and 0.3, or keys in
 * another order, are the same), the speed left out: it changes no number. The one test of
 * whether what the page runs is still a preset's scenario — at load, for a shared link, and
 * after every edit (panels/lesson.js).
 */
export function sameScenario(schema, a, b) {
  const key = (sc) => queryString(scenarioToQuery(schema, { ...sc, speed: 0 }));
  return key(a) === key(b);
}

/** Every view field's default (`controls` and `show` are the route's: see resolveView). */
export function viewDefaults(schema) {
  return Object.fromEntries(schema.view.keys.map((k) => [k.field, structuredClone(k.default)]));
}

/** `controls` and `show` filled in for the route, as view.py's `resolve` does (`show` stays null on `/`). */
export function resolveView(schema, view, embed) {
  const route = schema.view.routes[embed ? "embed" : "page"];
  const show = view.show ?? route[view.tab ? "show_with_tab" : "show"];
  return { ...view, controls: view.controls ?? route.controls, show: show ? [...show] : null };
}

/** The view the server parsed from the link (the page's data-view JSON), every field present. */
export function readView(schema, json) {
  let found = {};
  try {
    found = json ? JSON.parse(json) : {};
  } catch {
    found = {}; // the page still works with the default view
  }
  const view = viewDefaults(schema);
  for (const [k, v] of Object.entries(found ?? {})) if (k in view && v !== undefined) view[k] = v;
  view.hide = Array.isArray(view.hide) ? view.hide.map(Number) : [];
  return view;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The view's query parameters, in the link's order, each only where it differs from the
 * route's default (view.py's `view_to_query`: a `tab` is written whenever it is given).
 * @returns {[string, string][]}
 */
export function viewToQuery(schema, view, { embed = false } = {}) {
  const own = resolveView(schema, view, embed);
  const defaults = resolveView(schema, { ...viewDefaults(schema), controls: null, tab: view.tab }, embed);
  const q = [];
  for (const { key, field } of schema.view.keys) {
    const v = own[field];
    if (!given(v) || (field !== "tab" && same(v, defaults[field]))) continue;
    q.push([key, spell(v, schema.view)]);
  }
  return q;
}

/**
 * A value typed into a form for view key `field`, checked against its bounds in the schema
 * (type, min/max, choices): the value, or null when the link may not hold it.
 */
export function checkViewValue(schema, field, raw) {
  const k = schema.view.keys.find((x) => x.field === field);
  if (!k || raw === "") return null;
  if (k.type === "str") return k.choices && !k.choices.includes(raw) ? null : raw;
  const n = Number(raw);
  if (!Number.isFinite(n) || (k.type === "int" && !Number.isInteger(n))) return null;
  if (k.choices && !k.choices.includes(n)) return null;
  if ((k.min !== undefined && n < k.min) || (k.max !== undefined && n > k.max)) return null;
  return n;
}

/**
 * `k=v&…`, percent-encoded like Python's `urlencode(q, safe=",")` (quote_plus): commas stay
 * readable, a space is `+`, and `! ' ( ) *` are escaped too (a typed f(x, y) has them).
 */
export function queryString(pairs) {
  const hex = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, hex).replaceAll("%20", "+").replaceAll("%2C", ",");
  return pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
}

/**
 * Keeps the address bar in step with the scenario. Call `soon()` after any change; the URL
 * is rewritten with history.replaceState (never a new history entry) at most every 300 ms,
 * and always with the latest state. Old links named the tab in a `#fragment`: it is dropped
 * once the page writes the link (the tab is then in `tab=`).
 */
export class UrlSync {
  /** @param {{query: () => string}} h  query: the page's link now (scenario, then view) as a query string */
  constructor({ query }) {
    this.query = query;
    this.timer = null;
    this.writtenAt = -Infinity;
  }

  soon() {
    if (this.timer !== null) return; // a write is already due; it will read the latest state
    const wait = Math.max(0, this.writtenAt + WRITE_EVERY_MS - performance.now());
    this.timer = setTimeout(() => this.write(), wait);
  }

  /** Write now (e.g. before the link is copied). */
  write() {
    clearTimeout(this.timer);
    this.timer = null;
    this.writtenAt = performance.now();
    const url = new URL(location.href);
    url.search = `?${this.query()}`;
    url.hash = ""; // an old link's #tab: the query names the tab now
    if (url.href !== location.href) history.replaceState(history.state, "", url);
  }

  /** The page's link now, as this scenario's link is written (a pending change in it, and a
   *  link that was typed by hand — say with a parameter the page ignored — written out). */
  href() {
    this.write();
    return location.href;
  }
}
