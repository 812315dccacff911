// The guided path's progress, kept in this browser (localStorage): the steps whose goal was
// met and the step last opened. Read by the course page (start.js) and the guide bar.
// Storage may be refused (a private window, a file:// page): then nothing is remembered
// and nothing breaks.

const KEY = "gdviz.course";

function read() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return { done: Array.isArray(v.done) ? v.done.filter((s) => typeof s === "string") : [], last: typeof v.last === "string" ? v.last : null };
  } catch {
    return { done: [], last: null };
  }
}

function write(v) {
  try {
    localStorage.setItem(KEY, JSON.stringify(v));
  } catch {
    /* not remembered */
  }
}

/** {done: Set of preset ids, last: the preset id last opened or null}. */
export function progress() {
  const v = read();
  return { done: new Set(v.done), last: v.last };
}

/** The step `preset` was opened. */
export function opened(preset) {
  write({ ...read(), last: preset });
}

/** The goal of step `preset` was met. */
export function completed(preset) {
  const v = read();
  if (!v.done.includes(preset)) v.done.push(preset);
  write(v);
}

/** Forget every step's progress. */
export function forget() {
  write({ done: [], last: null });
}

/**
 * The step to go on with: the one after the last opened if that one is done, else the last
 * opened, else the first not done; `null` when every step is done.
 */
export function nextStep(steps, { done, last }) {
  const i = steps.findIndex((s) => s.preset === last);
  if (i >= 0 && !done.has(last)) return steps[i];
  const after = steps.slice(i + 1).find((s) => !done.has(s.preset));
  return after ?? steps.find((s) => !done.has(s.preset)) ?? null;
}
