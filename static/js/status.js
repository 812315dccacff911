// The status badge: colour AND an icon AND a word, never colour alone.

const LOOK = {
  loading: { icon: "…", text: "loading" },
  paused: { icon: "❚❚", text: "paused" },
  running: { icon: "▶", text: "running" },
  converged: { icon: "✓", text: "converged" },
  oscillating: { icon: "∿", text: "oscillating" },
  diverged: { icon: "✗", text: "diverged" },
  max_steps: { icon: "■", text: "max steps" },
  offline: { icon: "⚠", text: "offline" },
  busy: { icon: "↻", text: "server full" },
};

/** The sentence for a socket the server closed at its connection cap (its own reason). */
export function serverBusyText(reason) {
  const why = (reason || "").replace(/^server busy:\s*/, "").replace(/;\s*try again.*$/, "") || "no room for another stream";
  return `The server is full (${why}).`;
}

/** A status's icon and word (the one table of them: the run list reads it too). */
export const statusLook = (status) => LOOK[status] ?? { icon: "?", text: String(status).replace(/_/g, " ") };

export function renderStatus(badge, reasonEl, status, reason) {
  if (reasonEl.textContent !== reason) reasonEl.textContent = reason;
  if (badge.dataset.status === status && badge.childElementCount) return; // (called every frame while playing)
  const look = statusLook(status);
  badge.dataset.status = status;
  badge.textContent = "";
  const icon = document.createElement("span");
  icon.className = "badge-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = look.icon;
  const word = document.createElement("span");
  word.textContent = look.text;
  badge.append(icon, word);
}
