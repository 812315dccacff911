// Non-blocking messages (server errors, bad input) in the corner.

const SHOW_MS = 7000;

export function toast(message, kind = "error") {
  const box = document.getElementById("toasts");
  if (!box) return;
  // Do not stack the same message many times (e.g. a slider dragged past a limit).
  for (const el of box.children) {
    if (el.dataset.message === message) {
      el.remove();
    }
  }
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.dataset.message = message;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = document.createElement("p");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "✕";
  close.addEventListener("click", () => el.remove());
  el.append(text, close);
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => el.remove(), SHOW_MS);
}
