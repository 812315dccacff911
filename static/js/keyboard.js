// Space = play/pause, → = one step, R = reset — except while typing in a field.

function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest("input, select, textarea") !== null;
}

export function installKeyboard({ onPlayPause, onStep, onReset }) {
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    if (isTyping(ev.target)) return;
    if (ev.key === " " || ev.code === "Space") {
      ev.preventDefault(); // no page scroll, and a focused button must not also be "clicked"
      if (!ev.repeat) onPlayPause();
    } else if (ev.key === "ArrowRight") {
      ev.preventDefault();
      onStep();
    } else if ((ev.key === "r" || ev.key === "R") && !ev.repeat) {
      ev.preventDefault();
      onReset();
    }
  });
  // A focused button would be activated by Space on key-up; we already handled it.
  document.addEventListener("keyup", (ev) => {
    if ((ev.key === " " || ev.code === "Space") && ev.target instanceof HTMLButtonElement) ev.preventDefault();
  });
}
