// Which plots of the playground get a PNG camera, and where it sits: at the right end of
// the line above the plot (its panel head, or its Explore pane's hint or form line).

import { installPlotCameras } from "./plot-png.js";
import { state } from "./state.js";

const PAGE_PLOTS = [
  { at: ".panel-contour .panel-head", plot: "contour", name: () => (state.scenario?.model ? "loss-surface" : "contour") },
  { at: ".panel-boundary .panel-head", plot: "boundary", name: () => "boundary" },
  { at: "#pane-3d .pane-hint", plot: "surface3d", name: () => "3d" },
  { at: "#sweep-form", plot: "sweep-plot", name: () => "sweep" },
  { at: "#slice-panel .explore-form", plot: "slice-plot", name: () => "slice" },
  { at: "#fit-panel", plot: "fit-plot", name: () => "fit" },
  { at: ".panel-loss .panel-head", plot: "loss-plot", name: () => "loss" },
  { at: ".panel-grad .panel-head", plot: "gradnorm-plot", name: () => "gradnorm" },
  { at: ".panel-acc .panel-head", plot: "acc-plot", name: () => "accuracy" },
  { at: ".panel-layers .panel-head", plot: "layers-plot", name: () => "layer-gradients" },
  { at: ".panel-lr .panel-head", plot: "lr-plot", name: () => "lr" },
];

/** The page's cameras; returns a function to call when the objective changes (a file name may). */
export const installPageCameras = ({ onError }) => installPlotCameras(PAGE_PLOTS, { onError });
