// The decision-boundary panel of a network: the plot (plots/boundary.js) at the
// selected run's newest weights, its key, and which run and step it shows.

import { BoundaryPlot } from "../plots/boundary.js";
import { classColor } from "../plots/theme.js";
import { state } from "../state.js";

const $ = (id) => document.getElementById(id);

function keyItem(mark, text) {
  const li = document.createElement("li");
  li.append(mark, text);
  return li;
}

function mark(cls, color) {
  const s = document.createElement("span");
  s.className = `sw ${cls}`;
  s.setAttribute("aria-hidden", "true");
  if (color) s.style.setProperty("--c", color);
  return s;
}

export class NetworkPanel {
  /** @param {{onPickPoint?(index)}} h  a training point clicked */
  constructor(h = {}) {
    this.plot = new BoundaryPlot($("boundary"), h);
    this.key = $("boundary-key");
    this.hint = $("boundary-hint");
  }

  async draw(desc) {
    const items = [];
    for (let k = 0; k < desc.n_classes; k++) items.push(keyItem(mark("sw-class", classColor(k)), `class ${k}`));
    items.push(keyItem(mark("sw-train"), "train"), keyItem(mark("sw-test"), "test"), keyItem(mark("sw-shade"), "shade: predicted class (paler = less sure)"));
    this.key.replaceChildren(...items);
    this.hint.textContent = "";
    await this.plot.draw(desc);
  }

  /** Shade by run i's newest weights. */
  update(i, many) {
    const frame = state.runs[i]?.withParams;
    this.plot.update(frame, i);
    const text = frame ? `${many ? `run ${i + 1}, ` : ""}step ${frame.step}` : "";
    if (this.hint.textContent !== text) this.hint.textContent = text;
  }
}
