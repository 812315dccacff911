// The course page (/start): ticks the steps done in this browser and points the big button
// at the step to go on with (guide/progress.js).

import { forget, nextStep, progress } from "./guide/progress.js";

const $ = (id) => document.getElementById(id);
const steps = JSON.parse(document.body.dataset.course);

function show() {
  const p = progress();
  for (const li of document.querySelectorAll(".start-step")) {
    li.classList.toggle("done", p.done.has(li.dataset.preset));
    li.classList.toggle("current", li.dataset.preset === p.last);
  }
  const next = nextStep(steps, p);
  const go = $("start-go");
  const fresh = p.done.size === 0 && p.last === null;
  if (next) {
    const i = steps.indexOf(next);
    go.href = next.url;
    $("start-go-verb").textContent = fresh ? "Start" : "Continue";
    $("start-go-title").textContent = `${i + 1} · ${next.title}`;
  } else {
    go.href = steps[0].url;
    $("start-go-verb").textContent = "All done — again from";
    $("start-go-title").textContent = `1 · ${steps[0].title}`;
  }
  const note = $("start-progress");
  note.hidden = fresh;
  if (!fresh) {
    note.replaceChildren(`${p.done.size} of ${steps.length} goals met in this browser. `);
    const reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "Start over";
    reset.addEventListener("click", () => { forget(); show(); });
    note.append(reset);
  }
  document.body.dataset.ready = "1";
}

show();
window.addEventListener("pageshow", show); // back from a step: the bfcache keeps the old ticks
