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
};

export function renderStatus(badge, reasonEl, status, reason) {
  const look = LOOK[status] ?? { icon: "?", text: status };
  badge.dataset.status = status;
  badge.textContent = "";
  const icon = document.createElement("span");
  icon.className = "badge-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = look.icon;
  const word = document.createElement("span");
  word.textContent = look.text;
  badge.append(icon, word);
  if (reasonEl.textContent !== reason) reasonEl.textContent = reason;
}
