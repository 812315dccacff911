// The loss-landscape slice of a network (docs/models.md "The loss-landscape slice"):
// asks the stream for L on a plane through the selected run's current weights — a
// random (filter-normalised) plane or the plane of the path's two principal directions
// — and draws it with the path. Marked stale once the run moves on.

import { on } from "../events.js";
import { SlicePlot } from "../plots/slice.js";
import { selectedRun, state } from "../state.js";

const $ = (id) => document.getElementById(id);

export class SlicePanel {
  /** @param {{stream: import("../stream.js").RunStream}} parts */
  constructor({ stream }) {
    this.stream = stream;
    this.pane = $("slice-panel");
    this.plane = $("slice-plane");
    this.grid = $("slice-grid");
    this.btn = $("btn-slice");
    this.caption = $("slice-caption");
    this.plot = new SlicePlot($("slice-plot"));
    this.pending = null; // the request waiting for its reply
    this.result = null; // the slice shown: the server's reply
    this.btn.addEventListener("click", () => this.request());
    on("surface", () => this.clear());
    on("runs", () => this.clear());
    on("selection", () => this.checkStale());
  }

  request() {
    const run = selectedRun();
    if (!state.socketOpen || !run?.last) return;
    if (state.server === "none") {
      // The server slices a run it is streaming: at the start there is none yet.
      this.setCaption("Press Step (→) or Play first: the slice goes through the weights the run has now.", "stale");
      return;
    }
    const msg = { type: "slice", run: state.selected, plane: this.plane.value, grid: Number(this.grid.value), seed: state.scenario.seed ?? 0 };
    this.pending = msg;
    this.btn.disabled = true;
    this.setCaption(`Computing the loss on ${msg.grid}×${msg.grid} points of the plane…`, "running");
    this.stream.send(msg);
  }

  /** A `slice` message from the stream. */
  receive(msg) {
    if (!this.pending) return;
    this.pending = null;
    this.btn.disabled = false;
    this.result = msg;
    this.pane.classList.remove("stale");
    this.plot.draw(msg, msg.run);
    this.checkStale();
  }

  /** The server refused a request (its `error`), e.g. a PCA plane before the path has 3 points. */
  failed(message) {
    if (!this.pending) return;
    this.pending = null;
    this.btn.disabled = false;
    this.setCaption(`Could not slice: ${message}`, "error");
  }

  describe(msg) {
    const where = `Run ${msg.run + 1}'s weights at step ${msg.step}`;
    if (msg.plane === "pca") {
      const [a, b] = msg.explained ?? [];
      const shares = a === undefined ? "" : ` They hold ${(100 * a).toFixed(0)}% and ${(100 * b).toFixed(0)}% of the path's spread.`;
      return `${where}, on the plane of the path's two main directions (PCA).${shares}`;
    }
    return `${where}, on a random plane through them (filter-normalised directions). The path is projected onto the plane: it mostly runs off it.`;
  }

  /** Called on every redraw: a slice of an earlier step, or another run, is stale. */
  checkStale() {
    if (this.pending && state.server === "none") this.failed("the runs went back to the start.");
    const r = this.result;
    if (!r) return;
    const last = state.runs[r.run]?.last;
    const moved = r.run !== state.selected || !last || last.step !== r.step;
    this.pane.classList.toggle("stale", moved);
    if (moved) {
      const why = r.run !== state.selected ? `This slice is of run ${r.run + 1}.` : `The run has moved on since step ${r.step}.`;
      this.setCaption(`${why} Slice again to see where it is now. ${this.describe(r)}`, "stale");
    } else {
      this.setCaption(this.describe(r), "done");
    }
  }

  setCaption(text, kind) {
    if (this.caption.textContent !== text) this.caption.textContent = text;
    this.caption.dataset.state = kind;
  }

  clear() {
    this.pending = null;
    this.result = null;
    this.btn.disabled = false;
    this.pane.classList.remove("stale");
    this.plot.clear();
    this.setCaption("The network has hundreds of weights: this shows the loss on a 2D plane through them, with the run's path projected onto it.", "empty");
  }
}
