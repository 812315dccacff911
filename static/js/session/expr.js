// Drawing a typed f(x, y) (docs/expressions.md): POST /api/expr describes it like a named
// surface — formula, domain, minima, suggested start, contour scale — and adds its exact
// gradient's formula and its grid, null where f is not finite (the plots leave gaps
// there). It is then drawn by the surface loader, beside its gradient line. This module owns
// `state.expr`, the description drawn.

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

export class ExprLoader {
  /**
   * @param {{surfaces: import("./surface.js").SurfaceLoader, fitRuns: (desc) => void, onDescribed: (desc) => void}} parts
   *   fitRuns: give the runs without a start the suggested one (the editor's); onDescribed: the
   *   description of the f(x, y) about to be drawn (its gradient's formula)
   */
  constructor({ surfaces, fitRuns, onDescribed }) {
    Object.assign(this, { surfaces, fitRuns, onDescribed });
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
    state.expr = null; // (until this one is described)
    let desc;
    try {
      desc = await this.describe(expr, domain);
    } catch (err) {
      toast(`Could not draw f(x, y) = ${expr}: ${err.message}`);
      return false;
    }
    if (token !== this.token || state.scenario.expr !== expr || state.scenario.domain !== domain) return false;
    state.expr = desc;
    this.fitRuns(desc);
    $("formula").textContent = desc.formula;
    $("formula").title = desc.formula;
    $("key-gap").hidden = gapsOf(desc.z) === "none"; // the contour's key: what a blank means
    this.onDescribed(desc);
    return this.surfaces.drawPlane(desc, async () => desc);
  }

  /** Another objective is being drawn: a description still on its way is moot, and none is drawn. */
  cancel() {
    this.token += 1;
    state.expr = null;
    $("key-gap").hidden = true;
  }
}
