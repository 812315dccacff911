// The scenario in the page's URL (docs/url.md, `v=1`): as the student changes things, the
// query string of `/` follows, so the address bar is always a link to what is on screen.
//
// This mirrors `scenario_to_query` in gdviz/scenarios/url.py — same keys, same order, same
// number spelling — so the page and the server write the same link for the same scenario:
//
//   v=1, then `surface=…`, or `expr=…` (+ `domain=xmin,xmax,ymin,ymax` when the scenario
//   gives one), or `model=…` + `model.<field>=…` (every field of the model, in
//   the model's field order, defaults filled in, None left out), then steps, seed, speed,
//   then per run `rK=<optimizer>` and `rK.<field>=…` in RunSpec's field order (RUN_FIELDS);
//   lists as `a,b`; floats as Python's repr() (`1e-05`, `0.5`), integral ones without `.0`.
//
// If you change one, change the other: tests/browser/test_url_sync.py compares them.
// The view keys (tab, selected run, …) follow the scenario's: see view-state.js. Old links
// named the tab in a `#fragment`; it is read when the page opens, and dropped once the
// page writes the link (the tab is then in `tab=`).

export const VERSION = "1";

/** RunSpec's fields after `optimizer`, in its order (gdviz/scenarios/models.py). */
export const RUN_FIELDS = [
  "start", "init", "lr", "momentum", "dampening", "weight_decay", "alpha", "eps", "lr_decay",
  "initial_accumulator_value", "betas", "schedule", "step_size", "gamma", "T_max", "eta_min",
  "warmup_steps", "clip_norm", "noise", "complex_grad",
];

const WRITE_EVERY_MS = 300; // replaceState at most this often (a slider drag is many edits)

/** A number as Python's `repr(float(x))` spells it, with `.0` dropped (url.py `_fmt`). */
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

/** One value as url.py `_fmt_any` writes it. */
export function pyValue(v) {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return v.map(pyValue).join(",");
  return pyNumber(Number(v));
}

const given = (v) => v !== null && v !== undefined;

/**
 * The query parameters, in order, of a scenario as `start` takes it (state.scenarioForServer()).
 * @param {object} scenario  {surface | expr (+ domain) | model, runs, steps, seed, speed}
 * @param {object[]|null} models  GET /api/models (each model field's default, in field order)
 * @returns {[string, string][]}
 */
export function scenarioToQuery(scenario, models = null) {
  const q = [["v", VERSION]];
  if (scenario.model) {
    const spec = scenario.model;
    q.push(["model", spec.kind]);
    const fields = models?.find((m) => m.kind === spec.kind)?.fields ?? {};
    const names = [...Object.keys(fields), ...Object.keys(spec).filter((k) => k !== "kind" && !(k in fields))];
    for (const name of names) {
      const v = given(spec[name]) ? spec[name] : fields[name]?.default;
      if (given(v)) q.push([`model.${name}`, pyValue(v)]);
    }
  } else if (given(scenario.expr)) {
    q.push(["expr", scenario.expr]);
    if (given(scenario.domain)) q.push(["domain", pyValue(scenario.domain.flat())]);
  } else {
    q.push(["surface", scenario.surface]);
  }
  q.push(["steps", String(scenario.steps)], ["seed", String(scenario.seed)], ["speed", pyNumber(scenario.speed)]);
  scenario.runs.forEach((run, i) => {
    q.push([`r${i}`, run.optimizer]);
    const names = [...RUN_FIELDS, ...Object.keys(run).filter((k) => k !== "optimizer" && !RUN_FIELDS.includes(k))];
    for (const name of names) if (given(run[name])) q.push([`r${i}.${name}`, pyValue(run[name])]);
  });
  return q;
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
 * and always with the latest state.
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
