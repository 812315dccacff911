// Keys in a framed /embed: Space, → and R drive the plot (keyboard.js); the deck's own
// keys, which a focused frame would otherwise swallow, go back to the page around it.
//
// Each is posted to the parent in reveal.js's postMessage API form — reveal.js (on by
// default, `postMessage: true`) parses a JSON string `{method, args}` and calls
// `Reveal[method](...args)` — with `source` and `key` added, so a plain HTML deck can
// listen for `source === "gdviz"` and act on the key (docs/lectures.md).

/**
 * The keys reveal.js 5 binds (js/controllers/keyboard.js) that the frame does not use,
 * as the Reveal API call each makes. Space (play/pause), → (step) and R (reset) are the
 * frame's own; F (fullscreen) cannot be done for the deck from here (it needs a key
 * press in the deck's own page).
 */
export const DECK_KEYS = {
  PageDown: ["next"],
  n: ["next"],
  PageUp: ["prev"],
  p: ["prev"],
  ArrowLeft: ["left"],
  h: ["left"],
  l: ["right"],
  ArrowUp: ["up"],
  k: ["up"],
  ArrowDown: ["down"],
  j: ["down"],
  Home: ["slide", [0]],
  Escape: ["toggleOverview"],
  o: ["toggleOverview"],
  b: ["togglePause"],
  v: ["togglePause"],
  ".": ["togglePause"],
};

/** The message for a key the deck should get, or null. Letters match either case. */
export function deckMessage(key) {
  const name = key.length === 1 ? key.toLowerCase() : key;
  const call = Object.hasOwn(DECK_KEYS, name) ? DECK_KEYS[name] : null;
  if (!call) return null;
  const [method, args = []] = call;
  return { method, args, source: "gdviz", key };
}

const isTyping = (el) => el instanceof HTMLElement && (el.isContentEditable || el.closest("input, select, textarea") !== null);

/**
 * Forward the deck's keys to the parent window — only when the page is in a frame.
 * Register after keyboard.js: keys it (or a focused control) handled are default-prevented
 * and stay here.
 * @returns {boolean} whether the page is framed (and keys are forwarded)
 */
export function forwardDeckKeys() {
  if (window.parent === window) return false;
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (isTyping(ev.target)) return;
    const msg = deckMessage(ev.key);
    if (!msg) return;
    ev.preventDefault(); // e.g. PageDown must not scroll a pane here as well
    // "*": the message only names a key, and a deck opened from file:// has no origin to name
    window.parent.postMessage(JSON.stringify(msg), "*");
  });
  return true;
}
