// Words for the pointer at hand: a page read on a phone or a tablet says "tap", and names
// no key it does not have; with a mouse it says "click" (and the keys, where it names them).

/** Whether a finger is the main pointer (CSS `pointer: coarse`): a phone or a tablet. */
export const touchFirst = () => globalThis.matchMedia?.("(pointer: coarse)").matches ?? false;

/** "click" or "tap" — with `capital`, "Click" or "Tap". */
export function clickWord(capital = false) {
  const word = touchFirst() ? "tap" : "click";
  return capital ? word[0].toUpperCase() + word.slice(1) : word;
}
