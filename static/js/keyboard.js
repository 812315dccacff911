// Space = play/pause, → = one step, R = reset — wherever the focus is, except in a field
// that takes typing. After a slider, a select, a checkbox or a button the keys still drive
// the player: the control's own use of them (a slider's → nudges it, a button's Space
// clicks it, a select's R jumps to "Rastrigin") is prevented. Escape leaves a text field.

/** Input types that take typed text (where Space, → and R are characters or caret moves). */
const TEXT_INPUTS = new Set([
  "text", "search", "email", "url", "tel", "password", "number",
  "date", "datetime-local", "month", "week", "time",
]);

/** Whether `target` takes typing: a textarea, a text-like input or an editable element. */
export function isTextField(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

const isSpace = (ev) => ev.key === " " || ev.code === "Space";

export function installKeyboard({ onPlayPause, onStep, onReset }) {
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || ev.isComposing) return;
    if (isTextField(ev.target)) {
      if (ev.key === "Escape") ev.target.blur(); // back to the page, where the keys work again
      return;
    }
    if (ev.key === "Enter" && ev.target instanceof HTMLInputElement && ev.target.type === "checkbox") {
      ev.preventDefault();
      ev.target.click(); // Space is the player's here: Enter toggles a focused checkbox instead
      return;
    }
    // preventDefault: no page scroll, and the focused control must not also act on the key
    // (a default-prevented keydown is not activated by its keyup, nor types ahead in a select)
    if (isSpace(ev)) {
      ev.preventDefault();
      if (!ev.repeat) onPlayPause();
    } else if (ev.key === "ArrowRight") {
      ev.preventDefault();
      onStep();
    } else if ((ev.key === "r" || ev.key === "R") && !ev.repeat) {
      ev.preventDefault();
      onReset();
    }
  });
  // A focused button, checkbox or summary would be activated by Space on key-up; we already handled it.
  document.addEventListener("keyup", (ev) => {
    if (isSpace(ev) && !isTextField(ev.target) && ev.target instanceof HTMLElement) ev.preventDefault();
  });
}
