// f1d's main view (gdviz/scenarios/kinds/f1d.py; a plug-in view, docs/kinds.md): the curve
// f(x), every run's path of points on it, and for the selected run at its newest frame the
// tangent line of slope f′(x), the step it takes next drawn on the x-axis, and that step's
// arithmetic with its numbers — x ← 1.5 − 0.1 × 3 = 1.2 for plain GD; an optimizer whose
// step is not −η·f′(x) (momentum, Adam, weight decay, clipping) is written x ← x + Δ, and
// says so. Every number is the frame's own (params, grad, update, lr): nothing recomputed.

import { fmt } from "../format.js";
import { LOOK } from "../look.js";
import { CONFIG, fitToContainer, runColor, runInk } from "../plots/theme.js";
import { dressed } from "../plots/dress.js";
import { useStyle } from "../view-style.js";

const CURVE_COLOR = "#0072b2";
const TANGENT_COLOR = "#d55e00";
const STEP_COLOR = "#009e73";
const MIN_COLOR = "#2a9d4b";
const TANGENT_HALF = 0.16; // the tangent is drawn over ±16% of the x range around x
const PATH_POINTS = 400; // the newest points of each run's path drawn

/** A run's colour on this plot: as bright as on the dark panels, or its ink on white. */
const colorOf = (i) => (LOOK.dark ? runColor(i) : runInk(i));

/** −1.2 → "(−1.2)", 3 → "3": a number inside arithmetic, with a true minus sign. */
const signed = (v) => (v < 0 ? `(−${fmt(-v)})` : fmt(v));
const minus = (s) => s.replace(/^-/, "−");

/** The step from `frame` as arithmetic: {rule, line, note}, or null when it has no next step. */
export function stepArithmetic(frame, optimizerName = "the optimizer") {
  const x = frame?.params?.[0];
  const g = frame?.grad?.[0];
  const u = frame?.update?.[0];
  const lr = frame?.lr;
  if (![x, g, u, lr].every((v) => typeof v === "number" && Number.isFinite(v))) return null;
  const next = x + u;
  const plain = Math.abs(u + lr * g) <= 1e-12 * (1 + Math.abs(u));
  if (plain) {
    return {
      plain: true,
      rule: "x ← x − η · f′(x)",
      line: `x ← ${minus(fmt(x))} − ${fmt(lr)} × ${signed(g)} = ${minus(fmt(next))}`,
      note: "",
    };
  }
  return {
    plain: false,
    rule: "x ← x + Δ",
    line: `x ← ${minus(fmt(x))} + ${signed(u)} = ${minus(fmt(next))}`,
    note: `Δ is ${optimizerName}'s step; −η · f′(x) would be ${minus(fmt(-lr * g))}.`,
  };
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function mount(root, page) {
  useStyle("curve");
  root.classList.add("curve-view");
  const plot = el("div", "curve-plot");
  const card = el("div", "curve-step");
  card.setAttribute("aria-live", "polite");
  const head = el("div", "curve-step-head");
  const headText = el("span");
  const rule = el("div", "curve-rule");
  const line = el("div", "curve-line");
  const note = el("div", "curve-note");
  // A run that has ended: why, in two lines of the card's small type — not the arithmetic's
  // large type, which took the curve's room and left it a strip just as it blew up. "more"
  // opens the rest (the status beside the plot has it whole too).
  const reason = el("p", "curve-reason");
  const more = el("button", "curve-more", "more");
  Object.assign(more, { type: "button", hidden: true });
  more.setAttribute("aria-expanded", "false");
  more.addEventListener("click", () => {
    const open = card.toggleAttribute("data-open");
    more.textContent = open ? "less" : "more";
    more.setAttribute("aria-expanded", String(open));
  });
  const clamped = () => {
    more.hidden = !reason.textContent || (!card.hasAttribute("data-open") && reason.scrollHeight <= reason.clientHeight + 1);
  };
  new ResizeObserver(clamped).observe(reason);
  line.id = "curve-arithmetic";
  reason.id = "curve-reason";
  head.append(headText, more);
  card.append(head, rule, line, reason, note);
  root.append(plot, card);
  // the layout inline, so the first draw has its size before the stylesheet arrives
  Object.assign(root.style, { display: "flex", flexDirection: "column" });
  Object.assign(plot.style, { flex: "1 1 0", minHeight: "0", minWidth: "0", position: "relative" });
  fitToContainer(plot); // from now on: a new size (the card grows, fonts load) redraws

  let desc = null;
  let range = null; // {x: [lo, hi], y: [lo, hi]}
  let drawn = false;
  let early = null; // [frame, run] given before draw()

  const f = (x) => {
    // the described curve's points are dense: interpolate between the two nearest
    const xs = desc.curve.x;
    const n = xs.length;
    const t = ((x - xs[0]) / (xs[n - 1] - xs[0])) * (n - 1);
    const i = Math.max(0, Math.min(n - 2, Math.floor(t)));
    const a = desc.curve.f[i];
    const b = desc.curve.f[i + 1];
    return a === null || b === null ? null : a + (b - a) * (t - i);
  };

  function ranges() {
    const fs = desc.curve.f.filter((v) => v !== null && Number.isFinite(v));
    let lo = Math.min(...fs);
    let hi = Math.max(...fs);
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = 0.1 * (hi - lo);
    const [x0, x1] = desc.domain;
    // room at the bottom for the step drawn on the x-axis
    return { x: [x0, x1], y: [lo - 3.5 * pad, hi + pad] };
  }

  function runsToDraw() {
    const st = page.state ?? {};
    const runs = st.runs ?? [];
    const out = [];
    runs.forEach((r, i) => {
      if (!r || st.hidden?.[i]) return;
      const xs = (r.xs ?? []).slice(-PATH_POINTS);
      const ys = (r.losses ?? []).slice(-PATH_POINTS);
      out.push({ i, xs, ys });
    });
    return out;
  }

  function figure(frame, run) {
    const data = [{
      x: desc.curve.x, y: desc.curve.f, mode: "lines", name: desc.formula,
      line: { color: CURVE_COLOR, width: 4 }, hoverinfo: "skip", showlegend: false,
    }];
    if (desc.minima.length) {
      data.push({
        x: desc.minima, y: desc.minima.map(f), mode: "markers", name: "minimum", showlegend: false,
        marker: { symbol: "triangle-up", size: 14, color: MIN_COLOR, line: { color: "#fff", width: 1.5 } },
        hovertemplate: "minimum x = %{x:.3g}<extra></extra>",
      });
    }
    for (const r of runsToDraw()) {
      const selected = r.i === run;
      data.push({
        x: r.xs, y: r.ys, mode: "lines+markers", showlegend: false, name: `run ${r.i + 1}`,
        line: { color: colorOf(r.i), width: selected ? 2 : 1.5, dash: "dot" },
        marker: { color: colorOf(r.i), size: selected ? 9 : 7, line: { color: LOOK.dark ? "#000" : "#fff", width: 1 } },
        hovertemplate: `run ${r.i + 1}: x = %{x:.4g}, f = %{y:.4g}<extra></extra>`,
      });
    }
    const shapes = [];
    const annotations = [];
    const x = frame?.params?.[0];
    const fx = frame?.loss;
    const g = frame?.grad?.[0];
    const ok = (v) => typeof v === "number" && Number.isFinite(v);
    const [ylo, yhi] = range.y;
    const base = ylo + 0.05 * (yhi - ylo); // where the step is drawn: under the curve, above the x-axis
    if (ok(x) && ok(fx) && x >= range.x[0] && x <= range.x[1] && fx <= yhi && fx >= ylo) {
      const half = TANGENT_HALF * (range.x[1] - range.x[0]);
      if (ok(g)) {
        const xt = [x - half, x + half];
        data.push({
          x: xt, y: xt.map((t) => fx + g * (t - x)), mode: "lines", name: "tangent", showlegend: false,
          line: { color: TANGENT_COLOR, width: 4 }, hoverinfo: "skip",
        });
        const right = x < (range.x[0] + range.x[1]) / 2; // the label on the roomier side
        const at = x + (right ? 1 : -1) * half * 0.6;
        annotations.push({
          x: at, y: fx + g * (at - x), text: `slope f′(x) = ${minus(fmt(g))}`,
          showarrow: false, yshift: (g >= 0) === right ? -24 : 24, xanchor: right ? "left" : "right",
          font: { size: 18, color: TANGENT_COLOR }, bgcolor: LOOK.dark ? "rgba(23,27,33,0.85)" : "rgba(255,255,255,0.85)",
        });
      }
      shapes.push({ type: "line", x0: x, x1: x, y0: base, y1: fx, line: { color: "#888", width: 1.5, dash: "dot" } });
      data.push({
        x: [x], y: [fx], mode: "markers", name: "x", showlegend: false,
        marker: { color: colorOf(run), size: 18, line: { color: LOOK.dark ? "#fff" : "#111", width: 2.5 } },
        hovertemplate: "x = %{x:.4g}, f(x) = %{y:.4g}<extra></extra>",
      });
      const u = frame?.update?.[0];
      if (ok(u) && u !== 0) {
        annotations.push({
          x: x + u, y: base, ax: x, ay: base, xref: "x", yref: "y", axref: "x", ayref: "y",
          showarrow: true, arrowhead: 2, arrowsize: 1, arrowwidth: 3.5, arrowcolor: STEP_COLOR, text: "",
        });
        const arith = stepArithmetic(frame);
        annotations.push({
          x: x + u / 2, y: base, yshift: 22, showarrow: false,
          text: arith?.plain ? `−η·f′(x) = ${minus(fmt(u))}` : `step Δ = ${minus(fmt(u))}`,
          font: { size: 17, color: STEP_COLOR }, bgcolor: LOOK.dark ? "rgba(23,27,33,0.85)" : "rgba(255,255,255,0.85)",
        });
      }
    }
    const layout = {
      margin: { l: 60, r: 16, t: 12, b: 52 },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      font: { size: 16 },
      xaxis: { title: { text: "x" }, range: range.x, zeroline: true, zerolinecolor: "#999", gridcolor: "#e5e5e5", fixedrange: true },
      yaxis: { title: { text: "f(x)" }, range: range.y, zeroline: false, gridcolor: "#e5e5e5", fixedrange: true },
      shapes, annotations, showlegend: false, hovermode: "closest",
    };
    return dressed(data, layout);
  }

  function writeCard(frame, run) {
    const st = page.state ?? {};
    const spec = st.scenario?.runs?.[run];
    const name = spec ? (st.optimizers?.get?.(spec.optimizer)?.name ?? spec.optimizer) : "the optimizer";
    const arith = stepArithmetic(frame, name);
    root.dataset.step = frame ? String(frame.step) : "";
    const ended = frame && !arith ? st.runs?.[run]?.reason || "The run has ended." : "";
    if (reason.textContent !== ended) {
      reason.textContent = ended;
      card.removeAttribute("data-open");
      more.textContent = "more";
      more.setAttribute("aria-expanded", "false");
      clamped();
    }
    if (!frame) {
      headText.textContent = desc ? `${desc.formula}, ${desc.d1_formula}` : "";
      rule.textContent = "x ← x − η · f′(x)";
      line.textContent = "Press Play or Step to take the first step.";
      note.textContent = "";
      return;
    }
    if (!arith) {
      headText.textContent = `Step ${frame.step}: x = ${minus(fmt(frame.params?.[0]))} — no further step`;
      rule.textContent = "";
      line.textContent = "";
      note.textContent = "";
      return;
    }
    const r = st.runs?.[run];
    const over = r?.status && r.last?.step === frame.step; // the step it would take next, never taken
    headText.textContent = over
      ? `Step ${frame.step}: the run ended here (${r.status.replace("_", " ")}), f(x) = ${minus(fmt(frame.loss))}`
      : `Step ${frame.step} → ${frame.step + 1}, f(x) = ${minus(fmt(frame.loss))}`;
    rule.textContent = arith.rule;
    line.textContent = over ? `The step it would take next, not taken: ${arith.line}` : arith.line;
    note.textContent = arith.note;
  }

  return {
    draw(description) {
      desc = description;
      range = ranges();
      drawn = true;
      root.dataset.drawn = "1";
      // a frame that came before the curve's description (the stream can be first) is drawn now
      const [frame, run] = early ?? [null, 0];
      early = null;
      if (frame) this.update(frame, run);
      else {
        Plotly.react(plot, ...figure(null, 0), CONFIG);
        writeCard(null, 0);
      }
    },
    update(frame, run) {
      if (!drawn) {
        early = [frame, run ?? 0];
        return;
      }
      root.dataset.x = frame?.params ? String(frame.params[0]) : "";
      Plotly.react(plot, ...figure(frame, run ?? 0), CONFIG);
      writeCard(frame, run ?? 0);
    },
    clear() {
      desc = null;
      early = null;
      drawn = false;
      delete root.dataset.drawn;
      Plotly.purge(plot);
    },
  };
}
