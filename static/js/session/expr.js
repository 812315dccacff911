// Drawing a typed f(x, y) (docs/expressions.md): POST /api/expr describes it like a named
// surface — formula, domain, minima, suggested start, contour scale — and adds its exact
// gradient's formula and its grid, null where f is not finite (the plots leave gaps
// there). It is then drawn by the surface loader, beside its gradient line.

import { describeExpr } from "../api.js";
import { state } from "../state.js";
import { toast } from "../toast.js";
import { GRID_N } from "./surface.js";

const $ = (id) => document.getElementById(id);
const KEEP = 8; // descriptions kept: the last few typed f(x, y) come back at once

/** How much of a grid f leaves undefined (null): "none", "some" or "all". */
export function gapsOf(z) {
  let nulls = 0;
  let total = 0;
  for (const row of z) for (const v of row) { total += 1; if (v === null) nulls += 1; }
  return nulls === 0 ? "none" : nulls === total ? "all" : "some";
}

const inside = ([x, y], [[x0, x1], [y0, y1]]) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/**
 * Fit the runs to a newly typed f(x, y): a run keeps its start when it lies inside the
 * domain, else starts at the suggested start; a network's `init` does not apply. (η is
 * the editor's: a new f takes its suggested η, session/edits.js takeSuggestedLr.)
 */
export function fitRunsToDomain(runs, desc) {
  for (const r of runs) {
    const ok = Array.isArray(r.start) && r.start.length === 2 && inside(r.start, desc.domain);
    if (!ok) r.start = [...desc.start];
    delete r.init;
  }
}

export class ExprLoader {
  /**
   * @param {{surfaces: import("./surface.js").SurfaceLoader, onDescribed: (desc) => void}} parts
   *   onDescribed: the description of the f(x, y) about to be drawn (its gradient's formula)
   */
  constructor({ surfaces, onDescribed }) {
    Object.assign(this, { surfaces, onDescribed });
    this.cache = new Map();
    this.token = 0;
  }

  /** POST /api/expr on the full grid, cached; rejects with the server's refusal (api.js). */
  describe(expr, domain) {
    const key = JSON.stringify([expr, domain ?? null]);
    let desc = this.cache.get(key);
    if (!desc) {
      desc = describeExpr(expr, domain, GRID_N);
      desc.catch(() => this.cache.delete(key)); // ask again next time
      this.cache.set(key, desc);
      if (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value);
    }
    return desc;
  }

  /** Describe and draw the scenario's f(x, y); false if it failed or the objective changed meanwhile. */
  async load() {
    const token = ++this.token;
    const { expr, domain } = state.scenario;
    let desc;
    try {
      desc = await this.describe(expr, domain);
    } catch (err) {
      toast(`Could not draw f(x, y) = ${expr}: ${err.message}`);
      return false;
    }
    if (token !== this.token || state.scenario.expr !== expr || state.scenario.domain !== domain) return false;
    state.expr = desc;
    // a link's start is kept as the link gave it; a run without one starts at the suggested start
    for (const r of state.scenario.runs) if (!Array.isArray(r.start)) r.start = [...desc.start];
    $("formula").textContent = desc.formula;
    $("formula").title = desc.formula;
    $("key-gap").hidden = gapsOf(desc.z) === "none"; // the contour's key: what a blank means
    this.onDescribed(desc);
    return this.surfaces.drawPlane(desc, async () => desc);
  }

  /** Another objective is being drawn: a description still on its way is moot. */
  cancel() {
    this.token += 1;
    $("key-gap").hidden = true;
  }
}
