// One update written out with its numbers — "θ − η·g = …", momentum's buffer, Adam's m,
// v and bias corrections — from a frame's `opt` (docs/protocol.md): the gradient the
// optimizer saw and its state before the update, under torch's names.
//
// The rules are torch.optim's, as gdviz/engine/optimizers.py applies them (g the gradient
// after noise and clipping, t the update's number, 1 for the first):
//   gd        g ← g + wd·θ;  θ ← θ − η·g
//   momentum  b ← g (first step) or μ·b + (1 − τ)·g;  θ ← θ − η·b
//   nesterov  b as above;  θ ← θ − η·(g + μ·b)
//   adagrad   s ← s + g²;  η̃ = η / (1 + (t − 1)·decay);  θ ← θ − η̃·g/(√s + ε)
//   rmsprop   v ← α·v + (1 − α)·g²;  θ ← θ − η·g/(√v + ε)  (μ > 0: b ← μ·b + g/(√v + ε), θ ← θ − η·b)
//   adam      m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);
//             θ ← θ − η·m̂/(√v̂ + ε)
//   adamw     θ ← θ·(1 − η·wd) first, then Adam's step (wd not added to g)
// Every number is computed here from those terms; tests/test_step_arithmetic.py checks each
// against the engine's (the state after the update and the update itself) to 1e-12.

const vmap = (f, ...vs) => vs[0].map((_, i) => f(...vs.map((v) => v[i])));

/**
 * The update of one frame, row by row.
 * @param {{optimizer: string, hyper: object, lr: number, params: number[], opt: {g: number[], before: object, after: object}}} a
 *   hyper: the run's hyperparameters in force (torch's names); lr: the frame's η (a schedule applied)
 * @returns {{rows: {name: string, rule: string, parts: object, value: number[]}[], next: number[], update: number[]}}
 *   rows in the order they are computed; `parts` the numbers the rule is filled with
 */
export function stepArithmetic({ optimizer, hyper, lr, params, opt }) {
  const rows = [];
  const row = (name, rule, parts, value) => {
    rows.push({ name, rule, parts, value });
    return value;
  };
  const theta = params;
  const wd = hyper.weight_decay ?? 0;
  const t = opt.after.step;
  let g = opt.g;
  row("g", "the gradient the step uses", {}, g);
  if (wd && optimizer !== "adamw") g = row("g", "g + wd·θ", { wd, g: opt.g, theta }, vmap((gi, th) => gi + wd * th, g, theta));
  let update;
  if (optimizer === "gd" || ((optimizer === "momentum" || optimizer === "nesterov") && !hyper.momentum)) {
    update = row("Δθ", "−η·g", { eta: lr, g }, g.map((gi) => -lr * gi));
  } else if (optimizer === "momentum" || optimizer === "nesterov") {
    const mu = hyper.momentum;
    const damp = hyper.dampening ?? 0;
    const b = opt.before.has_buffer
      ? row("b", "μ·b + (1 − τ)·g", { mu, tau: damp, b: opt.before.momentum_buffer, g }, vmap((bi, gi) => mu * bi + (1 - damp) * gi, opt.before.momentum_buffer, g))
      : row("b", "g (the first step fills the buffer)", { g }, g.slice());
    update = optimizer === "nesterov"
      ? row("Δθ", "−η·(g + μ·b)", { eta: lr, g, mu, b }, vmap((gi, bi) => -lr * (gi + mu * bi), g, b))
      : row("Δθ", "−η·b", { eta: lr, b }, b.map((bi) => -lr * bi));
  } else if (optimizer === "adagrad") {
    const s = row("s", "s + g²", { s: opt.before.sum, g }, vmap((si, gi) => si + gi * gi, opt.before.sum, g));
    const decay = hyper.lr_decay ?? 0;
    const clr = row("η̃", "η / (1 + (t − 1)·decay)", { eta: lr, t, decay }, [lr / (1 + (t - 1) * decay)])[0];
    update = row("Δθ", "−η̃·g / (√s + ε)", { clr, g, s, eps: hyper.eps }, vmap((gi, si) => (-clr * gi) / (Math.sqrt(si) + hyper.eps), g, s));
  } else if (optimizer === "rmsprop") {
    const al = hyper.alpha;
    const v = row("v", "α·v + (1 − α)·g²", { alpha: al, v: opt.before.square_avg, g }, vmap((vi, gi) => al * vi + (1 - al) * gi * gi, opt.before.square_avg, g));
    const scaled = vmap((gi, vi) => gi / (Math.sqrt(vi) + hyper.eps), g, v);
    if (hyper.momentum > 0) {
      const mu = hyper.momentum;
      const b = row("b", "μ·b + g/(√v + ε)", { mu, b: opt.before.momentum_buffer, g, v, eps: hyper.eps }, vmap((bi, si) => mu * bi + si, opt.before.momentum_buffer, scaled));
      update = row("Δθ", "−η·b", { eta: lr, b }, b.map((bi) => -lr * bi));
    } else {
      update = row("Δθ", "−η·g / (√v + ε)", { eta: lr, g, v, eps: hyper.eps }, scaled.map((si) => -lr * si));
    }
  } else if (optimizer === "adam" || optimizer === "adamw") {
    const [b1, b2] = hyper.betas;
    const m = row("m", "β₁·m + (1 − β₁)·g", { beta1: b1, m: opt.before.exp_avg, g }, vmap((mi, gi) => b1 * mi + (1 - b1) * gi, opt.before.exp_avg, g));
    const v = row("v", "β₂·v + (1 − β₂)·g²", { beta2: b2, v: opt.before.exp_avg_sq, g }, vmap((vi, gi) => b2 * vi + (1 - b2) * gi * gi, opt.before.exp_avg_sq, g));
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const mHat = row("m̂", "m / (1 − β₁ᵗ)", { m, beta1: b1, t, bc: bc1 }, m.map((mi) => mi / bc1));
    const vHat = row("v̂", "v / (1 − β₂ᵗ)", { v, beta2: b2, t, bc: bc2 }, v.map((vi) => vi / bc2));
    const adamStep = vmap((mh, vh) => (-lr * mh) / (Math.sqrt(vh) + hyper.eps), mHat, vHat);
    if (optimizer === "adamw") {
      const decayed = row("θ·(1 − η·wd)", "decoupled weight decay", { theta, eta: lr, wd }, theta.map((th) => th * (1 - lr * wd)));
      update = row("Δθ", "θ·(1 − η·wd) − θ − η·m̂/(√v̂ + ε)", { theta, mHat, vHat, eta: lr, wd, eps: hyper.eps }, vmap((d, th, s) => d - th + s, decayed, theta, adamStep));
    } else {
      update = row("Δθ", "−η·m̂ / (√v̂ + ε)", { eta: lr, mHat, vHat, eps: hyper.eps }, adamStep);
    }
  } else {
    throw new Error(`no step arithmetic for ${optimizer}`);
  }
  const next = row("θ′", "θ + Δθ", { theta, update }, vmap((th, u) => th + u, theta, update));
  return { rows, next, update };
}

/** The symbols of a row's rule → the `parts` key holding its number (weight decay is wd:
 *  on this page λ is a curvature). */
const SYMBOLS = {
  "η̃": "clr", "m̂": "mHat", "v̂": "vHat", "Δθ": "update", "β₁": "beta1", "β₂": "beta2", η: "eta", wd: "wd",
  μ: "mu", τ: "tau", ε: "eps", α: "alpha", θ: "theta", decay: "decay", g: "g", b: "b", s: "s", v: "v", m: "m", t: "t",
};
const TOKEN = /η̃|m̂|v̂|Δθ|β₁ᵗ|β₂ᵗ|β₁|β₂|[ημτεαθ]|\bwd\b|\bdecay\b|\b[gbsvmt]\b/g;

/**
 * A row's rule with its numbers in place of its symbols: "β₁·m + (1 − β₁)·g" →
 * "0.9·(0.2, 0.4) + (1 − 0.9)·(1.8, 3.8)". Vectors as (x, y); `num` formats a number.
 */
export function substitute(rule, parts, num) {
  const show = (v) => (Array.isArray(v) ? `(${v.map(num).join(", ")})` : v < 0 ? `(${num(v)})` : num(v));
  return rule.replace(TOKEN, (tok) => {
    if (tok === "β₁ᵗ" || tok === "β₂ᵗ") {
      const beta = parts[tok === "β₁ᵗ" ? "beta1" : "beta2"];
      return beta === undefined ? tok : `${num(beta)}^${parts.t}`;
    }
    const key = SYMBOLS[tok];
    return key in parts ? show(parts[key]) : tok;
  });
}
