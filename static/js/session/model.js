// Describing and drawing a model (docs/models.md): POST /api/model describes it, the
// editor fits the runs to it, and its kind's main view draws it (session/surface.js): a
// 2-weight model as a plane — contour and 3D of its loss over (w1, w2) — beside its data &
// fit; a network as its decision boundary; a kind's own view (plugins.js). This module owns
// `state.model`, the description drawn.

import { describeModel } from "../api.js";
import { kindOf } from "../objective.js";
import { state } from "../state.js";
import { toast } from "../toast.js";
import { GRID_N } from "./surface.js";

const $ = (id) => document.getElementById(id);

/** The fields the contour and 3D views read from a surface, from a 2-weight model's description. */
export function planeOf(desc, axes) {
  return {
    id: desc.kind, name: desc.name, formula: desc.formula, domain: desc.domain, minima: desc.minima,
    start: desc.start, lr: desc.lr, contour_scale: desc.contour_scale, axes,
  };
}

export class ModelLoader {
  /**
   * @param {{surfaces: import("./surface.js").SurfaceLoader, fitRuns(desc), onDescribed(desc)}} parts
   *   fitRuns: fit the scenario's runs to the description (the editor's); onDescribed: it is described
   */
  constructor({ surfaces, fitRuns, onDescribed }) {
    Object.assign(this, { surfaces, fitRuns, onDescribed });
    this.token = 0;
  }

  /** Describe and draw the scenario's model; false if it failed or the objective changed meanwhile. */
  async load() {
    const token = ++this.token;
    const spec = state.scenario.model;
    state.model = null; // (until this one is described)
    this.surfaces.cancel(); // a surface still loading is moot
    let desc;
    try {
      desc = await describeModel(spec, GRID_N);
    } catch (err) {
      toast(`Could not build the model: ${err.message}`);
      return false;
    }
    if (token !== this.token || state.scenario.model !== spec) return false;
    state.model = desc;
    this.fitRuns(desc);
    $("formula").textContent = desc.formula;
    $("formula").title = desc.about ?? desc.name;
    this.onDescribed(desc);
    const { page } = kindOf(state.scenario);
    if (page.main === "contour") return this.surfaces.drawPlane(planeOf(desc, page.axes), async () => desc.grid);
    const drawn = await this.surfaces.drawMain(desc, page.main);
    return drawn && token === this.token;
  }

  /** Another objective is drawn instead: a model still loading is moot, and none is drawn. */
  cancel() {
    this.token += 1;
    state.model = null;
  }
}
