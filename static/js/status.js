// The status badge: colour AND an icon AND a word, never colour alone.
//
// One table for every place a run's status shows — the main badge, the run list, the
// sweep plot's markers and the offline player (docs/status.md). Colours are the
// Okabe–Ito palette (distinguishable with every common colour-vision deficiency), each
// with the ink that reads on it at ≥ 4.5:1.

export const STATUS_LOOK = {
  loading: { icon: "…", text: "loading", bg: "#4b5563", ink: "#ffffff" },
  ready: { icon: "•", text: "at the start", bg: "#e5e7eb", ink: "#374151" },
  paused: { icon: "❚❚", text: "paused", bg: "#4b5563", ink: "#ffffff" },
  running: { icon: "▶", text: "running", bg: "#0072B2", ink: "#ffffff" },
  converged: { icon: "✓", text: "converged", bg: "#009E73", ink: "#000000" },
  stalled: { icon: "⊘", text: "stalled", bg: "#F0E442", ink: "#000000" },
  oscillating: { icon: "∿", text: "oscillating", bg: "#E69F00", ink: "#000000" },
  noise_floor: { icon: "≋", text: "noise floor", bg: "#56B4E9", ink: "#000000" },
  diverged: { icon: "✗", text: "diverged", bg: "#D55E00", ink: "#000000" },
  max_steps: { icon: "■", text: "max steps", bg: "#CC79A7", ink: "#000000" },
  offline: { icon: "⚠", text: "offline", bg: "#7f1d1d", ink: "#ffffff" },
  busy: { icon: "↻", text: "server full", bg: "#9a3412", ink: "#ffffff" },
};

/** The statuses a run ends with (the engine's, gdviz/engine/verdicts.py). */
export const END_STATUSES = ["converged", "stalled", "oscillating", "noise_floor", "diverged", "max_steps"];

/** A status's look; an unknown one gets a neutral "?" and its own name. */
export function statusLook(status) {
  return STATUS_LOOK[status] ?? { icon: "?", text: String(status).replace(/_/g, " "), bg: "#4b5563", ink: "#ffffff" };
}

/** Colour an element (a badge) the status's way: its --status-bg / --status-ink. */
export function paintStatus(el, status) {
  const look = statusLook(status);
  el.dataset.status = status;
  el.style.setProperty("--status-bg", look.bg);
  el.style.setProperty("--status-ink", look.ink);
}

/** The sentence for a socket the server closed at its connection cap (its own reason). */
export function serverBusyText(reason) {
  const why = (reason || "").replace(/^server busy:\s*/, "").replace(/;\s*try again.*$/, "") || "no room for another stream";
  return `The server is full (${why}).`;
}

export function renderStatus(badge, reasonEl, status, reason) {
  if (reasonEl.textContent !== reason) reasonEl.textContent = reason;
  if (badge.dataset.status === status && badge.childElementCount) return; // (called every frame while playing)
  const look = statusLook(status);
  paintStatus(badge, status);
  badge.textContent = "";
  const icon = document.createElement("span");
  icon.className = "badge-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = look.icon;
  const word = document.createElement("span");
  word.textContent = look.text;
  badge.append(icon, word);
}
