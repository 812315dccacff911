// "Custom f(x, y)…": the bar where a teacher types a formula and its x/y range.
//
// While they type, the text is checked ~250 ms after the last key with POST /api/expr on
// a small grid: a refused expression gets the server's message right under the field,
// with the offending characters underlined in an echo of the text (the server counts
// columns in code points, so the echo does too: a look-alike such as 𝑥 or х is one
// character). Nothing else happens while the text is being typed — the running scenario
// is left alone until Enter or Apply, and then only if the server accepts it.
//
// The field is one line wide enough for ~60 characters; while it has focus it grows to
// show all of the text, with a few examples to try below it.

import { describeExpr } from "../api.js";
import { DEFAULT_DOMAIN, isExpr } from "../objective.js";
import { gapsOf } from "../session/expr.js";
import { toast } from "../toast.js";

const CHECK_MS = 250;
const CHECK_N = 24; // grid points per axis for the check: enough to tell where f has gaps
const ECHO_MAX = 64; // characters of a long text echoed around the offending ones
export const EXAMPLES = [
  "x^2 + 10*y^2",
  "sin(x)*cos(y) + 0.1*(x^2+y^2)",
  "(x^2 - 1)^2 + y^2",
  "log(1 + x^2 + y^2)",
  "abs(x) + abs(y)",
];
const BOUNDS = ["xmin", "xmax", "ymin", "ymax"];
const BOUND_NAMES = { xmin: "x from", xmax: "x to", ymin: "y from", ymax: "y to" };

const $ = (id) => document.getElementById(id);
const sameDomain = (a, b) => JSON.stringify(a ?? DEFAULT_DOMAIN) === JSON.stringify(b ?? DEFAULT_DOMAIN);

/**
 * The text around a refused token, split for display: [before, bad, after], with "…" where
 * a long text is cut. Columns are code points (as the server counts them); a position at
 * the end (something is missing there) underlines a blank.
 */
export function echoParts(text, position, end) {
  const chars = Array.from(text);
  const a = Math.min(Math.max(position ?? 0, 0), chars.length);
  const b = Math.min(Math.max(end ?? a + 1, a), chars.length);
  let lo = 0;
  let hi = chars.length;
  if (hi > ECHO_MAX) {
    const room = Math.max(ECHO_MAX - (b - a), 8);
    lo = Math.max(0, a - Math.floor(room / 2));
    hi = Math.min(chars.length, Math.max(b, a + 1) + (room - (a - lo)));
    lo = Math.max(0, Math.min(lo, hi - ECHO_MAX));
  }
  const bad = chars.slice(a, b).join("");
  return [
    (lo > 0 ? "…" : "") + chars.slice(lo, a).join(""),
    bad === "" ? " " : bad,
    chars.slice(b, hi).join("") + (hi < chars.length ? "…" : ""),
  ];
}

/**
 * The bounds a refusal's field names: `domain.xmin` (the form's own), `domain.0.1` (the
 * server's index: x max), or the whole `domain` — the x or y pair its message names, else all.
 */
export function boundsNamed(field, message) {
  if (!field?.startsWith("domain")) return [];
  const [, a, b] = field.split(".");
  if (BOUNDS.includes(a)) return [a];
  if (a !== undefined && b !== undefined) return [BOUNDS[2 * Number(a) + Number(b)]].filter(Boolean);
  const axes = ["x", "y"].filter((axis) => message.includes(`${axis} range`));
  return BOUNDS.filter((k) => axes.length === 0 || axes.includes(k[0]));
}

export class ExprInput {
  /**
   * @param {{onApply: ({expr, domain}) => Promise<void>}} h  onApply: draw this f(x, y) and run
   *   on it; rejects with the server's `refusal` (api.js describeExpr) when it is refused
   */
  constructor({ onApply }) {
    this.onApply = onApply;
    this.bar = $("expr-bar");
    this.input = $("expr-input");
    this.bounds = Object.fromEntries(BOUNDS.map((k) => [k, $(`expr-${k}`)]));
    this.problem = $("expr-problem");
    this.okLine = $("expr-ok");
    this.timer = null;
    this.checking = null; // the AbortController of the check in flight
    this.token = 0;
    this.applied = null; // {expr, domain} drawn now; null while another objective is shown
    this.last = null; // the last f(x, y) drawn (the picker's "Custom…" brings it back)

    this.input.addEventListener("input", () => this.edited());
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        this.apply();
      } else if (ev.key === "Escape" && this.applied) {
        this.fill(this.applied); // back to what is drawn
        this.input.blur();
      }
    });
    this.input.addEventListener("focus", () => this.fitHeight());
    this.input.addEventListener("blur", () => { this.input.style.height = ""; });
    for (const field of Object.values(this.bounds)) {
      field.addEventListener("input", () => this.soon());
      field.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.apply(); });
    }
    $("btn-expr-apply").addEventListener("click", () => this.apply());
    this.buildExamples();
  }

  buildExamples() {
    const chips = EXAMPLES.map((text) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.textContent = text;
      b.title = `Draw f(x, y) = ${text}`;
      b.addEventListener("click", () => {
        this.input.value = text;
        this.input.focus();
        this.apply();
      });
      return b;
    });
    $("expr-examples").append(...chips);
  }

  /** Show the bar for a typed f(x, y) (filled with it), hide it for anything else. */
  show(scenario) {
    this.bar.hidden = !isExpr(scenario);
    this.applied = isExpr(scenario) ? { expr: scenario.expr, domain: scenario.domain } : null;
    if (!this.applied) return;
    this.last = this.applied;
    // (while the teacher is in the bar, what they typed stays: it is what was applied, or newer)
    if (!this.bar.contains(document.activeElement)) this.fill(this.applied);
  }

  /** The picker's "Custom f(x, y)…": the last f(x, y) drawn (or the first example), drawn now. */
  choose() {
    this.bar.hidden = false;
    this.fill(this.last ?? { expr: EXAMPLES[0] });
    this.input.focus();
    this.input.select(); // typing replaces it
    return this.apply({ keepFocus: true });
  }

  fill({ expr, domain }) {
    clearTimeout(this.timer);
    this.token += 1; // a check of other text is moot
    this.input.value = expr;
    const d = domain ?? DEFAULT_DOMAIN;
    [d[0][0], d[0][1], d[1][0], d[1][1]].forEach((v, i) => { this.bounds[BOUNDS[i]].value = String(v); });
    this.clearProblem();
    this.setState("applied");
    this.fitHeight();
  }

  edited() {
    if (/[\r\n]/.test(this.input.value)) { // pasted lines: one expression, on one line
      const at = this.input.selectionStart;
      this.input.value = this.input.value.replace(/\r?\n|\r/g, " ");
      this.input.setSelectionRange(at, at);
    }
    this.fitHeight();
    this.soon();
  }

  /** While it has focus the field is as tall as its text (one line otherwise: CSS). */
  fitHeight() {
    if (document.activeElement !== this.input) return;
    this.input.style.height = "";
    this.input.style.height = `${this.input.scrollHeight + 4}px`;
  }

  soon() {
    clearTimeout(this.timer);
    this.token += 1;
    this.setState("typing");
    this.timer = setTimeout(() => this.check(), CHECK_MS);
  }

  /** What the form says: {expr, domain} (domain left out when it is the default), or {problem}. */
  read() {
    const values = {};
    for (const k of BOUNDS) {
      const raw = this.bounds[k].value.trim();
      const v = Number(raw);
      if (raw === "" || !Number.isFinite(v)) return { problem: { field: `domain.${k}`, message: `${BOUND_NAMES[k]}: type a number` } };
      values[k] = v;
    }
    const domain = [[values.xmin, values.xmax], [values.ymin, values.ymax]];
    return { expr: this.input.value, domain: sameDomain(domain, DEFAULT_DOMAIN) ? undefined : domain };
  }

  isApplied({ expr, domain }) {
    return this.applied !== null && this.applied.expr === expr && sameDomain(this.applied.domain, domain);
  }

  /** Ask the server whether the text (and range) would do, on a small grid. */
  async check() {
    clearTimeout(this.timer);
    this.checking?.abort();
    const form = this.read();
    if (form.problem) return this.showProblem(form.problem, "");
    if (this.isApplied(form)) {
      this.clearProblem();
      return this.setState("applied");
    }
    const token = ++this.token;
    const ctl = new AbortController();
    this.checking = ctl;
    this.setState("checking");
    let desc;
    try {
      desc = await describeExpr(form.expr, form.domain, CHECK_N, ctl.signal);
    } catch (err) {
      if (token !== this.token || err.name === "AbortError") return;
      if (err.refusal) this.showProblem(err.refusal, form.expr);
      else this.setState("unchecked"); // the server is away: Apply will say so
      return;
    }
    if (token !== this.token) return;
    this.clearProblem();
    const gaps = gapsOf(desc.z);
    const note = { none: "", some: " · f is not finite on part of this range: the plots leave a gap there", all: " · f is not finite anywhere on this range" }[gaps];
    this.okLine.textContent = `✓ ${desc.formula}${note} — Enter draws it`;
    this.setState("ok");
  }

  /**
   * Draw what the form says (Enter, Apply, an example); a refusal is shown, nothing else
   * changes. Once drawn the bar lets go of the keyboard (unless keepFocus), so Space plays.
   */
  async apply({ keepFocus = false } = {}) {
    clearTimeout(this.timer);
    this.checking?.abort();
    const form = this.read();
    if (form.problem) return this.showProblem(form.problem, "");
    const token = ++this.token;
    if (this.isApplied(form)) return this.drawn(keepFocus);
    this.setState("applying");
    try {
      await this.onApply(form);
    } catch (err) {
      if (token !== this.token) return;
      if (err.refusal) this.showProblem(err.refusal, form.expr);
      else {
        this.setState("unchecked");
        toast(`Could not draw f(x, y): ${err.message}`);
      }
      return;
    }
    if (token !== this.token) return;
    this.applied = form;
    this.last = form;
    this.drawn(keepFocus);
  }

  drawn(keepFocus) {
    this.clearProblem();
    this.setState("applied");
    if (!keepFocus && this.bar.contains(document.activeElement)) document.activeElement.blur();
  }

  /** The server's (or the form's) refusal under the field: the text with the offending part underlined. */
  showProblem(refusal, text) {
    const echo = this.problem.querySelector(".expr-echo");
    const onText = refusal.field === "expr";
    echo.hidden = !onText;
    if (onText) {
      const [before, bad, after] = echoParts(text, refusal.position, refusal.end);
      const mark = document.createElement("mark");
      mark.className = "expr-bad";
      mark.textContent = bad;
      echo.replaceChildren(before, mark, after);
    }
    this.problem.querySelector(".expr-message").textContent = refusal.message;
    this.problem.hidden = false;
    this.markInvalid(refusal.field, refusal.message);
    this.setState("refused");
  }

  clearProblem() {
    this.problem.hidden = true;
    this.markInvalid(null);
  }

  /** Outline the field a refusal is about: the text, or the domain bounds it names. */
  markInvalid(field, message = "") {
    const mark = (el, bad) => {
      el.classList.toggle("invalid", bad);
      el.setAttribute("aria-invalid", bad ? "true" : "false");
    };
    mark(this.input, field === "expr");
    const bad = new Set(boundsNamed(field, message));
    for (const k of BOUNDS) mark(this.bounds[k], bad.has(k));
  }

  /** body-level hook for styles and tests: typing, checking, ok, refused, applying, applied, unchecked. */
  setState(name) {
    this.bar.dataset.state = name;
    this.okLine.hidden = name !== "ok";
  }
}
