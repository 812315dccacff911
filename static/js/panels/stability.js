// The stability panel: how curved the loss is at the minimum the selected run is
// near (Hessian eigenvalues from GET /api/stability), and which learning rates let
// plain GD, momentum and Nesterov converge there — with the selected run's η marked
// inside (green) or beyond (red) its own optimizer's bound.
//
// Refreshed when the run stops (paused, ended, back at the start), when its start,
// the surface or the selected run changes — not on every frame.

import { fetchStability } from "../api-landscape.js";
import { fmt, fmtPoint } from "../format.js";
import { on } from "../events.js";
import { keepWhole } from "../fit-text.js";
import { hasWeightPlane, landscapeToolsApply, objectiveKey, objectiveParams } from "../objective.js";
import { runLabel, shortName } from "../runs.js";
import { ENDED, selectedRun, selectedSpec, state } from "../state.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_MOMENTUM = 0.9; // the usual μ, shown for runs without momentum
const FIXED_BOUND = new Set(["gd", "momentum", "nesterov"]);
const ROWS = [
  ["gd", "Plain GD"],
  ["momentum", "Momentum"],
  ["nesterov", "Nesterov"],
];

/** μ, τ and wd as one comparable string. */
function hyperKey(h) {
  return h ? `${h.momentum}|${h.dampening}|${h.weight_decay}` : "";
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** What a condition number means for GD, in words. */
function kappaWords(kappa) {
  if (kappa === null || kappa === undefined) return "no minimum here: the loss curves down one way";
  if (kappa < 2) return "a round bowl: every direction converges at the same pace";
  if (kappa < 10) return "a stretched bowl: the flat direction converges more slowly";
  return "a narrow valley: the step that is safe across it crawls along it";
}

export class StabilityPanel {
  constructor() {
    this.body = $("stability-body");
    // read to its verdict, the last sentence: set more compactly while it would not fit (app.css)
    keepWhole($("stability-panel"), "stability", 3);
    this.data = null;
    this.key = "";
    this.token = 0;
    for (const ev of ["halt", "start", "surface", "selection", "runs"]) on(ev, () => this.refresh());
    on("settings", (run) => {
      if (run !== state.selected) return;
      if (hyperKey(this.hyper()) !== hyperKey(this.data?.hyper)) this.refresh();
      else this.render(); // η changed: only the verdict moves
    });
  }

  /**
   * The bounds' μ, τ and wd: the selected run's own when it is one of the three
   * optimizers the table shows (else the usual μ, no dampening, no decay).
   */
  hyper() {
    const spec = selectedSpec();
    const own = (name, fallback) => {
      const v = spec[name] ?? state.optimizers.get(spec.optimizer)?.params[name]?.default;
      return typeof v === "number" ? v : fallback;
    };
    const fixed = FIXED_BOUND.has(spec.optimizer);
    return {
      momentum: fixed ? own("momentum", DEFAULT_MOMENTUM) : DEFAULT_MOMENTUM, // (gd has none: the usual μ)
      dampening: spec.optimizer === "momentum" ? own("dampening", 0) : 0,
      weight_decay: fixed ? own("weight_decay", 0) : 0,
    };
  }

  /**
   * The selected run's point now: its newest finite position, else its start — a point of
   * this objective (a plane's two weights, a curve's x), or null. Just after the objective
   * changes, the run's newest frame is still the old objective's (a 1-weight w, then
   * "bowl"): the stream's first frame of the new one is yet to come.
   */
  point() {
    const dims = hasWeightPlane(state.scenario) ? 2 : 1; // the landscape tools' objectives
    const fits = (p) => Array.isArray(p) && p.length === dims;
    const p = selectedRun()?.last?.params;
    if (fits(p) && p.every((v) => v !== null && Number.isFinite(v) && Math.abs(v) < 1e4)) return p;
    const start = selectedSpec().start ?? state.model?.start; // (a curve's run without one starts at the curve's)
    return fits(start) ? start : null;
  }

  async refresh() {
    if (!state.scenario || !state.surfaceDrawn || !landscapeToolsApply(state.scenario)) return;
    const hyper = this.hyper();
    const point = this.point();
    if (!point) return; // (asked again when the run's first frame arrives)
    const key = `${objectiveKey(state.scenario)}|${point}|${hyperKey(hyper)}`;
    if (key === this.key) {
      this.render();
      return;
    }
    this.key = key;
    const token = ++this.token;
    try {
      const data = await fetchStability(objectiveParams(state.scenario), point, hyper);
      if (token !== this.token) return;
      this.data = { ...data, hyper, from: point };
    } catch (err) {
      if (token !== this.token) return;
      this.data = null;
      this.key = "";
      this.body.replaceChildren(el("p", "stab-error", `Could not compute the curvature: ${err.message}`));
      return;
    }
    this.render();
  }

  /** The η the selected run uses now (a schedule moves it). */
  currentLr() {
    const last = selectedRun()?.last;
    return last && typeof last.lr === "number" ? last.lr : selectedSpec().lr;
  }

  render() {
    const d = this.data;
    if (!d) return;
    const spec = selectedSpec();
    const nodes = [];
    const where = fmtPoint(d.point);
    const from = fmtPoint(d.from.slice(0, d.point.length));
    const curve = d.point.length === 1; // f(x): the curvature is f″, one number
    // The server knows the surface's listed minima only: say which one, and from where.
    nodes.push(el("p", "stab-where", d.is_minimum
      ? (where === from ? `At the minimum ${where}, where run ${state.selected + 1} is:`
        : `At the minimum ${where}: of the known minima, the nearest to run ${state.selected + 1} at ${from}.`)
      : `This surface has no minimum near here; the curvature at run ${state.selected + 1}'s point ${where}:`));

    const dl = el("dl", "stab-numbers");
    const row = (id, term, value, note) => {
      const div = el("div");
      const dt = el("dt", "", term);
      const dd = el("dd");
      const v = el("strong", "", value);
      v.id = id;
      dd.append(v, el("span", "stab-note", note));
      div.append(dt, dd);
      dl.append(div);
    };
    if (curve) {
      row("stab-lam-max", "f″", fmt(d.lam_max), d.lam_max < 0 ? "negative: f curves down here (a maximum)" : "how fast the slope f′ changes: the bend of f");
    } else {
      row("stab-lam-max", "λ_max", fmt(d.lam_max), "steepest bend of the loss (largest Hessian eigenvalue)");
      row("stab-lam-min", "λ_min", fmt(d.lam_min), d.lam_min < 0 ? "negative: the loss curves down this way (a saddle)" : "gentlest bend");
      const kappa = d.condition === null || d.condition === undefined ? "∞" : fmt(d.condition);
      row("stab-kappa", "κ", kappa, `= λ_max/λ_min, ${kappaWords(d.condition)}`);
    }
    nodes.push(dl);

    const table = el("table", "stab-bounds");
    const head = el("tr");
    for (const h of ["optimizer", d.is_minimum ? "converges for" : "steady across for", "bound"]) head.append(el("th", "", h));
    const thead = el("thead");
    thead.append(head);
    table.append(thead);
    const tbody = table.appendChild(el("tbody"));
    for (const [id, name] of ROWS) {
      const b = d.bounds?.[id];
      const tr = el("tr");
      tr.dataset.optimizer = id;
      if (id === spec.optimizer) tr.classList.add("mine");
      const tau = id === "momentum" && d.dampening > 0 ? `, τ=${fmt(d.dampening)}` : "";
      const label = id === "gd" ? name : `${name} μ=${fmt(d.momentum)}${tau}`;
      const range = b?.max_lr ? `0 < η < ${fmt(b.max_lr)}` : "no stable η";
      const td = el("td", "stab-range", range);
      td.id = `stab-${id}-range`;
      tr.append(el("td", "", label), td, el("td", "stab-formula", b?.formula ?? ""));
      tbody.append(tr);
    }
    nodes.push(table);
    nodes.push(this.verdict(spec, d));
    if (d.weight_decay > 0) {
      // (weight decay adds wd·θ to the gradient: wd·I to the Hessian)
      const wd = el("p", "stab-wd", `Run ${state.selected + 1}'s weight decay wd = ${fmt(d.weight_decay)} `
        + `stiffens every direction: the bounds use λ_max + wd = ${fmt(d.lam_max + d.weight_decay)}.`);
      wd.id = "stab-wd";
      nodes.push(wd);
    }
    this.body.replaceChildren(...nodes);
  }

  /**
   * Is the selected run's η inside its optimizer's bound — and, once the run has ended,
   * what that means for how it ended (the verdict never contradicts the run's status).
   */
  verdict(spec, d) {
    const p = el("p", "stab-verdict");
    p.id = "stab-verdict";
    const lr = this.currentLr();
    const who = `${runLabel(state.selected).split(" · ")[0]} · ${shortName(spec.optimizer)}`;
    const run = selectedRun();
    const ended = run?.status && ENDED.has(run.status) ? run.status : null;
    const noisy = Boolean(spec.noise);
    if (!FIXED_BOUND.has(spec.optimizer)) {
      p.dataset.inside = "n/a";
      p.textContent = `Run ${who} uses η = ${fmt(lr)}. ${shortName(spec.optimizer)} divides each step by its running size of the gradient, so no fixed bound on η applies`
        + (ended === "oscillating" ? ": near the bottom its steps stop shrinking, and the run is oscillating." : ".")
        + endNote(ended, "n/a", noisy);
      return p;
    }
    const max = d.bounds?.[spec.optimizer]?.max_lr;
    if (d.kink) {
      p.dataset.inside = "false";
      p.textContent = `Run ${who} uses η = ${fmt(lr)}. The minimum ${fmtPoint(d.point)} is a kink: the slope jumps there and the curvature is infinite, so no η lets ${shortName(spec.optimizer)} settle exactly — a smaller η only makes its hops around it smaller, a decaying one (a schedule) lets it settle.`
        + endNote(ended, "kink", noisy);
      return p;
    }
    if (!max) {
      p.dataset.inside = "false";
      p.textContent = `Run ${who} uses η = ${fmt(lr)}: the loss curves down here, so no step size makes GD settle.`
        + endNote(ended, "none", noisy);
      return p;
    }
    const ratio = lr / max;
    const place = ratio > 1 + 1e-9 ? "beyond" : ratio >= 1 - 1e-9 ? "at" : ratio > 0.9 ? "edge" : "inside";
    p.dataset.inside = place === "inside" || place === "edge" ? "true" : "false";
    if (!d.is_minimum) {
      const grows = place === "beyond" ? "grow" : place === "at" ? "neither grow nor shrink" : "shrink";
      p.textContent = `${place === "beyond" || place === "at" ? "✗" : "✓"} Run ${who} uses η = ${fmt(lr)}: ${place === "beyond" ? "beyond" : place === "at" ? "at" : "within"} η < ${fmt(max)}, so across the steepest direction its steps ${grows}; along the direction that curves down they grow whatever η is — there is no minimum here to settle in.`
        + endNote(ended, place, noisy);
      return p;
    }
    const text = {
      beyond: `✗ Run ${who} uses η = ${fmt(lr)}: beyond the stable range (η < ${fmt(max)}), so near this minimum each step overshoots by more than it corrects and the zig-zag grows.`,
      at: `✗ Run ${who} uses η = ${fmt(lr)}: exactly at the edge of the stable range (η < ${fmt(max)}), so near this minimum each step lands as far up the other side as it started — the zig-zag neither grows nor dies out.`,
      edge: `✓ Run ${who} uses η = ${fmt(lr)}: just inside the stable range (η < ${fmt(max)}), so near this minimum the zig-zag dies out, but slowly.`,
      inside: `✓ Run ${who} uses η = ${fmt(lr)}: inside the stable range (η < ${fmt(max)}), so near this minimum it settles.`,
    }[place];
    p.textContent = text + endNote(ended, place, noisy);
    return p;
  }
}

/**
 * What the bound says about how the run ended (status: the run's, once ended; place: where
 * η sits against the bound) — a sentence that agrees with the badge, or "".
 */
function endNote(status, place, noisy) {
  if (!status) return noisy && (place === "inside" || place === "edge") ? " Its gradient noise keeps it jittering near the bottom all the same." : "";
  const stable = place === "inside" || place === "edge";
  switch (status) {
    case "converged":
      return stable || place === "n/a" ? " It did: the run converged." : " It converged all the same: its own reason says how.";
    case "oscillating":
      if (place === "at" || place === "beyond" || place === "kink" || place === "n/a") return " The run is oscillating.";
      return " Yet the run is oscillating: away from the minimum the loss is steeper than here — its reason says where.";
    case "diverged":
      return place === "beyond" ? " The run diverged." : " Yet the run diverged: where it was, the loss is steeper than at this minimum — its reason has the numbers.";
    case "noise_floor":
      return stable ? " Without its gradient noise it would settle; the noise keeps it hovering at a noise floor." : " The run hovers at a noise floor.";
    case "stalled":
      return " The run stalled before it got here — its reason says where.";
    case "max_steps":
      return stable ? " The run ran out of steps before it settled." : " The run ran out of steps.";
    default:
      return "";
  }
}
