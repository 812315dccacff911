// Drawing a model (docs/models.md): POST /api/model describes it; a 2-weight model
// (linreg2, logreg2) is then drawn like a surface — contour and 3D of its loss over
// (w1, w2) — beside its data & fit; a network gets its decision boundary.

import { describeModel } from "../api.js";
import { state } from "../state.js";
import { toast } from "../toast.js";
import { GRID_N } from "./surface.js";

const $ = (id) => document.getElementById(id);

/** Fit the runs to a described model: 2 weights start at its start unless given; a network's
 *  runs start from their init unless they give every weight; `init` is for networks only. */
export function fitRunsToModel(desc) {
  for (const r of state.scenario.runs) {
    if (desc.kind === "mlp") {
      if (Array.isArray(r.start) && r.start.length !== desc.dim) delete r.start;
    } else {
      if (!Array.isArray(r.start) || r.start.length !== 2) r.start = [...desc.start];
      delete r.init;
    }
  }
}

/** The fields the contour and 3D views read from a surface, from a 2-weight model's description. */
export function planeOf(desc) {
  return {
    id: desc.kind, name: desc.name, formula: desc.formula, domain: desc.domain, minima: desc.minima,
    start: desc.start, lr: desc.lr, contour_scale: desc.contour_scale, axes: ["w1", "w2", "L"],
  };
}

export class ModelLoader {
  /** @param {{surfaces: import("./surface.js").SurfaceLoader, network, view, onDescribed(desc), onDrawn()}} parts */
  constructor({ surfaces, network, view, onDescribed, onDrawn }) {
    Object.assign(this, { surfaces, network, view, onDescribed, onDrawn });
    this.token = 0;
  }

  /** Describe and draw the scenario's model; false if it failed or the objective changed meanwhile. */
  async load() {
    const token = ++this.token;
    const spec = state.scenario.model;
    this.surfaces.cancel(); // a surface still loading is moot
    state.surfaceDrawn = false;
    let desc;
    try {
      desc = await describeModel(spec, GRID_N);
    } catch (err) {
      toast(`Could not build the model: ${err.message}`);
      return false;
    }
    if (token !== this.token || state.scenario.model !== spec) return false;
    state.model = desc;
    fitRunsToModel(desc);
    $("formula").textContent = desc.formula;
    $("formula").title = desc.about ?? desc.name;
    this.onDescribed(desc);
    if (desc.kind !== "mlp") return this.surfaces.drawPlane(planeOf(desc), async () => desc.grid);
    await this.network.draw(desc);
    if (token !== this.token) return false;
    state.surfaceDrawn = true;
    document.body.dataset.surface3d = "none"; // a network has no 3D view
    this.view.redraw();
    this.onDrawn();
    return true;
  }

  /** A surface is being drawn instead: a model still loading is moot. */
  cancel() {
    this.token += 1;
  }
}
