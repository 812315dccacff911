// "Why isn't my loss moving?" — the newest `diagnosis` of the selected run (docs/models.md):
// each finding's title (its severity by colour AND icon), what the server saw, and
// what to try. An empty list says so in plain words. The tab's label carries the
// number of findings, so they show even while another tab is open.

const $ = (id) => document.getElementById(id);

const SEVERITY = {
  info: { icon: "ℹ", word: "note" },
  warn: { icon: "⚠", word: "warning" },
  error: { icon: "✖", word: "problem" },
};

/** A diagnosis as the stream, or POST /api/run, sends it → {step, findings} (or null). */
export function normalizeDiagnosis(d, step = null) {
  if (!d) return null;
  if (Array.isArray(d)) return { step, findings: d };
  return { step: d.step ?? step, findings: d.findings ?? [] };
}

export class DiagnosisPanel {
  constructor() {
    this.where = $("why-where");
    this.list = $("why-findings");
    this.count = $("why-count");
    this.sig = null;
  }

  /** @param {{step, findings} | null} diagnosis  @param {number} runIndex  @param {boolean} many */
  update(diagnosis, runIndex, many) {
    const sig = JSON.stringify([diagnosis, runIndex, many]);
    if (sig === this.sig) return;
    this.sig = sig;
    const who = many ? `Run ${runIndex + 1}` : "The run";
    if (!diagnosis) {
      this.where.textContent = "The checks run as the model trains: press Play (Space) or Step (→).";
      this.list.replaceChildren();
      this.list.dataset.state = "waiting";
      this.showCount([]);
      return;
    }
    const findings = diagnosis.findings ?? [];
    this.where.textContent = `${who}, checked at step ${diagnosis.step ?? "?"}:`;
    this.list.dataset.state = findings.length ? "findings" : "healthy";
    if (!findings.length) {
      const li = document.createElement("li");
      li.className = "finding finding-ok";
      li.dataset.id = "none";
      const title = document.createElement("p");
      title.className = "finding-title";
      title.textContent = "✓ Nothing looks wrong";
      const detail = document.createElement("p");
      detail.className = "finding-detail";
      detail.textContent = "None of the checks found a problem. They look for a learning rate that is too small, gradients that vanish or explode, dead units, a loss stuck on a plateau, and symmetric weights.";
      li.append(title, detail);
      this.list.replaceChildren(li);
    } else {
      this.list.replaceChildren(...findings.map((f) => this.item(f)));
    }
    this.showCount(findings);
  }

  item(f) {
    const look = SEVERITY[f.severity] ?? SEVERITY.info;
    const li = document.createElement("li");
    li.className = "finding";
    li.dataset.severity = f.severity ?? "info";
    li.dataset.id = f.id ?? "";
    const title = document.createElement("p");
    title.className = "finding-title";
    const icon = document.createElement("span");
    icon.className = "finding-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = look.icon;
    const sev = document.createElement("span");
    sev.className = "visually-hidden";
    sev.textContent = `${look.word}: `;
    title.append(icon, sev, f.title ?? f.id ?? "");
    const detail = document.createElement("p");
    detail.className = "finding-detail";
    detail.textContent = f.detail ?? "";
    li.append(title, detail);
    if (f.fix) {
      const fix = document.createElement("p");
      fix.className = "finding-fix";
      const b = document.createElement("strong");
      b.textContent = "Try: ";
      fix.append(b, f.fix);
      li.append(fix);
    }
    return li;
  }

  showCount(findings) {
    this.count.hidden = findings.length === 0;
    this.count.textContent = String(findings.length);
    const worst = ["error", "warn", "info"].find((s) => findings.some((f) => f.severity === s)) ?? "info";
    this.count.dataset.severity = worst;
    this.count.title = `${findings.length} finding${findings.length === 1 ? "" : "s"}`;
  }
}
