// Drawing the main view. A surface (or any loss over two weights): the grid from the
// server, the contour first, the 3D view after the contour and frame 0 have had a chance
// to show — WebGL start-up holds the main thread for seconds under software rendering, and
// the student should see where the run starts, and be able to press Play, before that. A
// network: its decision boundary; a kind's own main view: plugins.js. This module owns
// `state.surfaceDrawn`: the main view is drawn.

import { fetchGrid } from "../api.js";
import { next } from "../events.js";
import { makeTransform } from "../plots/theme.js";
import { LIMITS } from "../schema.js";
import { state } from "../state.js";
import { toast } from "../toast.js";

/** Contour grid points per axis (the offline export draws the same grid). */
export const GRID_N = LIMITS.contour_grid;
const FRAME0_WAIT_MS = 1500; // the longest the 3D view waits for frame 0
const $ = (id) => document.getElementById(id);

export class SurfaceLoader {
  /**
   * @param {{contour, surface3d, network, plugins, curves, view, controls, onDrawn: () => void,
   *          wantLogLoss?: () => boolean}} parts
   *   network: the decision-boundary panel; plugins: the kinds' own views (a surface's description);
   *   wantLogLoss: whether the student (or the link, `loss_log`) wants the loss axis on a log scale
   */
  constructor({ contour, surface3d, network, plugins, curves, view, controls, onDrawn, wantLogLoss = () => true }) {
    Object.assign(this, { contour, surface3d, network, plugins, curves, view, controls, onDrawn, wantLogLoss });
    this.token = 0;
  }

  /** Draw surface `id`; false if it failed or another objective was asked for meanwhile. */
  async load(id) {
    const surf = state.surfaces.get(id);
    this.controls.setSurfaceValue(id);
    $("formula").textContent = surf.formula;
    $("formula").title = surf.formula; // (all of it, when the header cuts it)
    this.plugins.draw(surf);
    return this.drawPlane(surf, () => fetchGrid(id, GRID_N));
  }

  /** Another objective is being drawn: whatever this loader is doing is moot. */
  cancel() {
    this.token += 1;
  }

  /**
   * Draw a described objective whose main view is not a plane: a decision boundary
   * (`boundary`), or a kind's own view (any other id: plugins.js has drawn it with the
   * description). False if another objective was asked for meanwhile.
   */
  async drawMain(desc, main) {
    const token = ++this.token;
    state.surfaceDrawn = false;
    if (main === "boundary") await this.network.draw(desc);
    if (token !== this.token) return false;
    state.surfaceDrawn = true;
    document.body.dataset.surface3d = "none"; // no 3D view
    this.view.redraw();
    this.onDrawn();
    return true;
  }

  /**
   * Draw a loss over two weights: a named surface, or a 2-weight model described by
   * POST /api/model (the same fields: domain, minima, contour_scale; and its grid).
   */
  async drawPlane(surf, getGrid) {
    const token = ++this.token;
    let grid;
    try {
      grid = await getGrid();
    } catch (err) {
      toast(`Could not load the surface: ${err.message}`);
      return false;
    }
    if (token !== this.token) return false;
    const transform = makeTransform(grid, surf.contour_scale);
    // A log loss axis cannot show f ≤ 0: surfaces that go below zero start on linear.
    const logLoss = transform.zmin > 0 && this.wantLogLoss();
    $("loss-log-toggle").checked = logLoss;
    this.curves.loss.setLog(logLoss);
    state.surfaceDrawn = false;
    await this.contour.draw(surf, grid, transform);
    if (token !== this.token) return false;
    state.surfaceDrawn = true;
    this.view.redraw();
    // The session says "halt" once frame 0 is shown (it may be already).
    const frame0 = state.runs[0]?.last ? Promise.resolve() : next("halt", FRAME0_WAIT_MS);
    this.onDrawn();
    // body[data-surface3d]: "pending" → "drawn", or "deferred" while another tab covers
    // the view (tests wait for either before they start timing anything).
    document.body.dataset.surface3d = "pending";
    frame0.then(() => requestAnimationFrame(() => setTimeout(async () => {
      if (token !== this.token) return;
      const drawn = await this.surface3d.draw(surf, grid, transform);
      if (token !== this.token) return;
      document.body.dataset.surface3d = drawn ? "drawn" : "deferred";
      this.view.redraw();
    }, 0)));
    return true;
  }
}
