// All page state in one object, each piece with one owner — the only module that writes
// it (tests/test_js_state_owners.py checks):
//
//   surfaces, optimizers, models   main.js, once at boot (the server's catalogs)
//   scenario, selected, hidden     session/edits.js (the Editor): every change the student
//                                  makes, and fitting the runs to a drawn objective
//   socketOpen, server, playing,   session/commands.js (the Session): the connection and the
//   updateStale                    stream's lifecycle; the inbox and the editor ask it
//   surfaceDrawn                   session/surface.js: the main view is drawn
//   model, expr                    session/model.js, session/expr.js: what was described
//   runs, recent                   runs.js: what the server has sent
//
// The scenario (what the URL and the server's `start` take) is the truth for settings.

import { objectiveField } from "./objective.js";
import { SCHEMA } from "./schema.js";
import { END_STATUSES } from "./status.js";

export const ENDED = new Set(END_STATUSES); // every status a run ends with (status.js)

export const state = {
  surfaces: new Map(),
  optimizers: new Map(),
  models: null, // the model kinds' fields (the schema's; as GET /api/models): choices, defaults, ranges
  model: null, // POST /api/model: the drawn model (data, layers, grid…), or null on a surface
  expr: null, // POST /api/expr: the drawn typed f(x, y) (formula, gradient, grid…), or null
  scenario: null,
  selected: 0, // the run the control column edits
  hidden: [], // per run: hidden from every plot (it still runs)
  surfaceDrawn: false, // the objective's main view is drawn (contour, a network's boundary, …)
  socketOpen: false,
  playing: false,
  server: "none", // "none": no stream behind the page (waiting at the start) | "active" | "done"
  runs: [], // per run: display data (see runs.js)
  scrub: null, // the step the step slider went back to (session/scrub.js), null: the newest
  liveRuns: null, // while scrubbed back: the runs as sent (state.runs is them at the step; runs.js liveRuns)
  updateStale: false, // a hyperparameter changed since the shown `update` was computed
  recent: [], // recent frames, for tests and debugging
};

/** The default scenario (the server's: the link schema's). */
export const defaultScenario = () => structuredClone(SCHEMA.scenario.default);

/** The settings of the run the controls edit. */
export const selectedSpec = () => state.scenario.runs[state.selected];

/** The display data of the selected run. */
export const selectedRun = () => state.runs[state.selected];

/** The scenario as `start` and POST /api/run take it. */
export function scenarioForServer(speed = state.scenario.speed) {
  const s = state.scenario;
  const objective = objectiveField(s);
  const runs = s.runs.map((r) => {
    const out = { ...r };
    if (Array.isArray(r.start)) out.start = [...r.start];
    else delete out.start; // a network's runs start from their init
    return out;
  });
  return { ...objective, runs, steps: s.steps, seed: s.seed, speed };
}

export const isVisible = (i) => !state.hidden[i];
