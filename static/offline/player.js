// The offline player: plays a scenario's precomputed frames in a file opened from
// file:// — no server, no network (gdviz/export_html.py writes the file). Its main view
// is the contour, the decision boundary, or a kind's own plug-in view linked in with it
// (export_html.OFFLINE_VIEWS: views/cnn.js), fed each step's frame of the selected run.
//
// A classic script, not a module: browsers do not load modules from file://. The
// drawing is the playground's own code (contour + path overlay, loss curves, decision
// boundary, status badge, keys), linked in before this script as `gdvizModules` by
// gdviz/js_bundle.py. The data is the <script id="gdviz-data"> JSON: the scenario, the
// objective (contour grid or network + data) and every run's frames as columns.
//
// Playing moves one number, the step; everything drawn is "each run up to that step".
// The paths live in the contour's SVG overlay, so a step costs microseconds (a Plotly
// restyle of the contour figure would recompute the whole contour, ~100 ms); the curves
// and the boundary redraw through the playground's throttles; and all of it at most
// once per animation frame.

/* global gdvizModules */
(() => {
  "use strict";

  const { ContourPlot } = gdvizModules["plots/contour.js"];
  const { CurvePlot, CurveGroup } = gdvizModules["plots/curves.js"];
  const { BoundaryPlot } = gdvizModules["plots/boundary.js"];
  const { classColor, makeTransform, runColor } = gdvizModules["plots/theme.js"];
  const { renderStatus } = gdvizModules["status.js"];
  const { fmt, norm2 } = gdvizModules["format.js"];
  const { installKeyboard } = gdvizModules["keyboard.js"];
  const { LOOK } = gdvizModules["look.js"];
  const { scaleFonts } = gdvizModules["font-scale.js"];
  const { keepWhole } = gdvizModules["fit-text.js"];

  scaleFonts(LOOK.scale); // the link's scale= (the plots scale themselves, in dress.js)

  const SPEEDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 1000]; // steps per second
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("gdviz-data").textContent);
  const objective = data.objective;
  const network = data.main !== "contour"; // the export names the kind's main view
  // a kind's own main view (export_html.OFFLINE_VIEWS), mounted as the page mounts it
  const plugin = network && data.main !== "boundary" ? gdvizModules[`views/${data.main}.js`] : null;
  const pct = (v) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");

  // ---- the runs, as the plots take them --------------------------------------------

  const runs = data.runs.map((r, i) => {
    const f = r.frames;
    const ok = (p) => Array.isArray(p) && p.length >= 2;
    return {
      index: i, label: r.label, status: r.status, reason: r.reason, frames: f,
      end: f.step.length - 1, // frames[k] is after k updates, so frame index = step
      start: f.params[0] && !network ? f.params[0] : null,
      xs: network ? [] : f.params.map((p) => (ok(p) ? p[0] : null)),
      ys: network ? [] : f.params.map((p) => (ok(p) ? p[1] : null)),
      gradnorms: f.grad_norm ?? (f.grad ?? []).map(norm2),
    };
  });
  const lastStep = Math.max(0, ...runs.map((r) => r.end));

  const player = { step: 0, playing: false, speed: data.scenario.speed ?? 30, selected: 0, carry: 0, lastT: null };

  /** Run r's frame index at the current step (a run that ended stays on its last frame). */
  const at = (r) => Math.min(player.step, r.end);

  function frameOf(r, k = at(r)) {
    const f = r.frames;
    return {
      step: f.step[k], params: f.params[k], loss: f.loss[k], lr: f.lr[k],
      grad: f.grad ? f.grad[k] : null, update: f.update ? f.update[k] : null,
      accuracy: f.accuracy?.[k], test_loss: f.test_loss?.[k], test_accuracy: f.test_accuracy?.[k],
    };
  }

  /** Every run up to the current step, in the shape CurvePlot and ContourPlot read. */
  function shownRuns() {
    return runs.map((r) => {
      const n = at(r) + 1;
      return {
        label: r.label, hidden: false, start: r.start,
        steps: r.frames.step.slice(0, n), losses: r.frames.loss.slice(0, n),
        testLosses: r.frames.test_loss ? r.frames.test_loss.slice(0, n) : [],
        xs: r.xs.slice(0, n), ys: r.ys.slice(0, n),
      };
    });
  }

  // ---- the plots ------------------------------------------------------------------

  const group = new CurveGroup();
  let logLoss = true;
  let plane = null;
  if (plugin) {
    // the view reads the newest weights from page.state.runs[run].withParams (docs/kinds.md)
    const state = { runs: runs.map(() => ({ withParams: null })) };
    const view = plugin.mount($("main-plot"), { kind: null, state });
    plane = {
      draw: (desc) => view.draw(desc),
      update: (frame, run) => {
        state.runs[run].withParams = frame;
        view.update(frame, run);
      },
    };
  } else if (network) {
    plane = new BoundaryPlot($("main-plot"));
  } else {
    plane = new ContourPlot($("main-plot"), { onPick: () => {} }); // no start to move offline
    // A log loss axis cannot show f ≤ 0: such surfaces get a linear one (as the playground).
    logLoss = makeTransform(objective.grid, objective.contour_scale).zmin > 0;
  }
  const lossPlot = new CurvePlot($("loss-plot"), { yTitle: network ? "L" : objective.axes[2], log: logLoss, key: "losses", group });
  if (network) {
    lossPlot.setSeries([{ key: "losses", dash: "solid", what: "train" }, { key: "testLosses", dash: "dash", what: "test" }], "L");
    $("loss-title").textContent = "Loss L vs step (solid: train, dashed: test)";
  } else {
    $("loss-title").textContent = `Loss ${objective.axes[2]} vs step${logLoss ? " (log scale)" : ""}`;
  }

  // ---- the views of a step's inside (panels/inside.js), fed from the exported data ----
  //
  // The playground's own panels, reading the state object they read there: the selected
  // run's frame at the current step (with its update's terms on 2 weights) and, for the
  // backprop and softmax tabs, the traced point's answer at that frame — exported for the
  // link's point only (no server to ask for another).

  const insideData = data.inside?.tabs?.length ? data.inside : null;
  let inside = null;
  let insideTab = "main";

  function hyperOf(r) {
    return data.runs[r.index].hyper ?? null;
  }

  function setupInside() {
    const { InsideViews } = gdvizModules["panels/inside.js"];
    const S = gdvizModules["state.js"].state;
    S.scenario = data.scenario;
    S.model = data.scenario.model ? objective : null;
    const traced = insideData.view.point;
    inside = new InsideViews({
      send: () => {},
      view: insideData.view,
      onPoint: (i) => plane.markPoint?.(i),
      fetcher: (req) => {
        const t = insideData.traces?.[req.run]?.[req.step];
        if (t && req.sample === traced) return Promise.resolve(t);
        return Promise.reject(new Error(insideData.traces
          ? `this offline page has the trace of point ${traced} only`
          : "this offline page was exported without traces (export it from the Backprop or Softmax tab)"));
      },
    });
    if (network) {
      const grads = document.querySelector("input[name=net-mode][value=gradients]");
      grads.disabled = true; // an exported network's frames carry its weights, not its gradients
      grads.parentElement.title = "This export carries the weights of every step, not their gradients.";
      document.querySelector("input[name=net-mode][value=weights]").checked = true;
    }
    if (S.model) inside.draw(objective);
    for (const tab of document.querySelectorAll("#explore-tabs [role=tab]")) {
      tab.addEventListener("click", () => showInside(tab.dataset.tab));
    }
    showInside(insideData.view.tab ?? "main");
  }

  function showInside(tab) {
    insideTab = tab;
    for (const t of document.querySelectorAll("#explore-tabs [role=tab]")) t.setAttribute("aria-selected", t.dataset.tab === tab ? "true" : "false");
    for (const pane of document.querySelectorAll("#inside-views .pane")) pane.classList.toggle("active", pane.id === `${tab}-panel`);
    $("inside-views").hidden = tab === "main";
    document.querySelector(".offline-plane").hidden = tab !== "main";
    document.body.dataset.view = tab;
    if (tab !== "main") {
      feedInside();
      inside.shown(tab);
    } else {
      Plotly.Plots.resize($("main-plot"));
    }
  }

  /** The panels' state: the selected run now. */
  function feedInside() {
    const S = gdvizModules["state.js"].state;
    S.selected = player.selected;
    S.runs = runs.map((r) => {
      const f = { ...frameOf(r), opt: insideData.opt?.[r.index]?.[at(r)] ?? undefined };
      return { last: f, withParams: f, hyper: hyperOf(r) };
    });
    inside.update();
  }

  function boundaryKey() {
    const item = (cls, color, text) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = `sw ${cls}`;
      sw.setAttribute("aria-hidden", "true");
      if (color) sw.style.setProperty("--c", color);
      li.append(sw, text);
      return li;
    };
    const items = [];
    for (let k = 0; k < objective.n_classes; k++) items.push(item("sw-class", classColor(k), `class ${k}`));
    items.push(item("sw-train", null, "train"), item("sw-test", null, "test"),
      item("sw-shade", null, `shade: the class run ${player.selected + 1} predicts (paler = less sure)`));
    if (runs.length > 1) {
      const hint = document.createElement("li");
      hint.textContent = "click a run's name to show its boundary";
      items.push(hint);
    }
    $("boundary-key").replaceChildren(...items);
  }

  // ---- the run list: colour, label, status badge and reason ------------------------

  const rows = runs.map((r) => {
    const li = document.createElement("li");
    li.className = "offline-run";
    li.dataset.run = String(r.index);
    const head = document.createElement("div");
    head.className = "offline-run-head";
    const swatch = document.createElement("span");
    swatch.className = "offline-swatch";
    swatch.style.background = runColor(r.index);
    const name = document.createElement("button");
    name.type = "button";
    name.className = "offline-run-name";
    name.textContent = r.label;
    name.title = "Show this run's current point and arrows" + (network ? " and decision boundary" : "");
    name.addEventListener("click", () => select(r.index));
    const badge = document.createElement("span");
    badge.className = "badge";
    const numbers = document.createElement("span");
    numbers.className = "offline-run-numbers";
    head.append(swatch, name, badge);
    const reason = document.createElement("p");
    reason.className = "reason";
    li.append(head, numbers, reason);
    $("run-list").append(li);
    return { li, badge, reason, numbers };
  });

  function showRun(r) {
    const row = rows[r.index];
    const f = frameOf(r);
    const ended = player.step >= r.end;
    row.li.classList.toggle("is-selected", r.index === player.selected && runs.length > 1);
    row.li.dataset.ended = ended ? "1" : "0";
    const bits = [`step ${f.step}`, `loss ${fmt(f.loss)}`];
    if (network) bits.push(`accuracy ${pct(f.accuracy)} (test ${pct(f.test_accuracy)})`);
    else bits.push(`‖∇‖ ${fmt(r.gradnorms[at(r)] ?? null)}`, `η ${fmt(f.lr)}`);
    const text = bits.join(" · ");
    if (row.numbers.textContent !== text) row.numbers.textContent = text;
    if (ended) renderStatus(row.badge, row.reason, r.status, r.reason);
    else renderStatus(row.badge, row.reason, player.playing ? "running" : "paused", "");
    row.reason.title = row.reason.textContent; // the whole sentence, where it is cut short
  }

  // ---- where the loss curve goes ----------------------------------------------------
  //
  // Beside the runs when the side column has room for it; under the plane when the plane
  // is much wider than tall (room is left there anyway), or when the lesson and every
  // run's final reason would not fit beside it — measured with the reasons shown, so the
  // layout does not jump when runs end during playback.

  const [[x0, x1], [y0, y1]] = plugin ? [[0, 1], [0, 1]] : network ? objective.data.domain : objective.domain;
  const widePlane = x1 - x0 >= 1.4 * (y1 - y0);
  if (widePlane) document.body.dataset.plane = "wide";
  const lossPanel = document.querySelector(".offline-loss");

  // The lesson and every run's end-of-run sentence are read to their end, never cut or
  // scrolled: where they would not fit, the side column sets them more compactly (fit-text.js,
  // player.css's data-side-fit levels) — decided once, with every sentence shown.
  const lesson = document.querySelector(".offline-lesson");
  const sideText = keepWhole([lesson, $("run-list")].filter(Boolean), "side", 3, { watch: false });

  function placeLoss() {
    const saved = rows.map((row) => [row.li.dataset.ended, row.reason.textContent]);
    rows.forEach((row, i) => {
      row.li.dataset.ended = "1";
      row.reason.textContent = runs[i].reason;
    });
    let under = widePlane;
    if (!under) {
      $("side-column").append(lossPanel);
      delete document.body.dataset.sideFit;
      const clipped = (el) => el && el.scrollHeight > el.clientHeight;
      under = clipped(lesson) || clipped($("run-list"));
    }
    (under ? $("plane-column") : $("side-column")).append(lossPanel);
    document.body.dataset.loss = under ? "under-plane" : "beside-runs";
    sideText.fit();
    rows.forEach((row, i) => {
      [row.li.dataset.ended, row.reason.textContent] = saved[i];
    });
  }

  let resizing = false;
  window.addEventListener("resize", () => {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      placeLoss();
    });
  });

  // ---- drawing, at most once per animation frame -----------------------------------

  let pending = false;
  let ready = false;

  function requestDraw() {
    if (pending || !ready) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }

  function draw() {
    const shown = shownRuns();
    const sel = runs[player.selected];
    if (network) {
      plane.update(frameOf(sel), sel.index);
    } else {
      const cur = frameOf(sel);
      const lr = Number.isFinite(cur.lr) ? cur.lr : NaN;
      plane.update(shown, cur, lr, sel.index);
    }
    lossPlot.update(shown);
    if (inside && insideTab !== "main") feedInside();
    runs.forEach(showRun);
    $("step-count").textContent = String(player.step);
    $("step-slider").value = String(player.step);
    document.body.dataset.step = String(player.step);
    document.body.dataset.playing = player.playing ? "1" : "0";
  }

  // ---- playback -------------------------------------------------------------------

  function setStep(step) {
    player.step = Math.max(0, Math.min(lastStep, Math.round(step)));
    requestDraw();
  }

  function setPlaying(on) {
    if (on && player.step >= lastStep) player.step = 0; // Play at the end plays it again
    player.playing = on;
    player.carry = 0;
    player.lastT = null;
    const btn = $("btn-play");
    btn.classList.toggle("is-playing", on);
    btn.querySelector(".btn-label").textContent = on ? "Pause" : "Play";
    document.body.dataset.playing = on ? "1" : "0";
    if (on) requestAnimationFrame(tick);
    requestDraw();
  }

  /** Advance by speed × elapsed time; whole steps only, the remainder carried over. */
  function tick(t) {
    if (!player.playing) return;
    if (player.lastT !== null) player.carry += ((t - player.lastT) / 1000) * player.speed;
    player.lastT = t;
    const n = Math.floor(player.carry);
    if (n > 0) {
      player.carry -= n;
      setStep(player.step + n);
    }
    if (player.step >= lastStep) setPlaying(false);
    else requestAnimationFrame(tick);
  }

  function stepOnce() {
    setPlaying(false);
    setStep(player.step + 1);
  }

  function reset() {
    setPlaying(false);
    setStep(0);
  }

  function select(i) {
    player.selected = i;
    if (network && !plugin) boundaryKey();
    requestDraw();
  }

  // ---- controls ---------------------------------------------------------------------

  const speeds = [...new Set([...SPEEDS, player.speed])].sort((a, b) => a - b);
  for (const s of speeds) {
    const o = document.createElement("option");
    o.value = String(s);
    o.textContent = `${s} steps/s`;
    o.selected = s === player.speed;
    $("speed-select").append(o);
  }
  $("speed-select").addEventListener("change", (ev) => {
    player.speed = Number(ev.target.value);
    ev.target.blur(); // give Space / → / R back to the player
  });
  $("step-slider").addEventListener("input", (ev) => {
    if (player.playing) setPlaying(false);
    setStep(Number(ev.target.value));
  });
  $("step-slider").addEventListener("change", (ev) => ev.target.blur());
  $("btn-play").addEventListener("click", () => setPlaying(!player.playing));
  $("btn-step").addEventListener("click", stepOnce);
  $("btn-reset").addEventListener("click", reset);
  installKeyboard({ onPlayPause: () => setPlaying(!player.playing), onStep: stepOnce, onReset: reset });

  // For tests and for anyone curious: what is shown.
  window.__gdvizOffline = {
    step: () => player.step,
    lastStep,
    playing: () => player.playing,
    pathPoints: (r) => (network ? 0 : plane.pointCount(r)),
    boundary: () => (network && !plugin ? plane.snapshot() : null),
    diagram: () => inside?.net.diagram.snapshot() ?? null,
    trace: () => inside?.tracer.trace?.answer ?? null,
    traceLines: () => [...document.querySelectorAll("#trace-lines > div")].map((d) => ({ what: d.firstChild.textContent, text: d.lastChild.textContent })),
    showView: (tab) => showInside(tab),
    data,
  };

  async function start() {
    placeLoss();
    if (plugin) {
      await plane.draw(objective);
    } else if (network) {
      await plane.draw(objective);
      boundaryKey();
    } else {
      await plane.draw(objective, objective.grid, makeTransform(objective.grid, objective.contour_scale));
    }
    if (insideData) setupInside();
    ready = true;
    draw();
    document.body.dataset.ready = "1";
  }

  start().catch((err) => {
    document.body.dataset.ready = "error";
    $("run-list").textContent = `Could not draw this export: ${err.message}`;
    throw err;
  });
})();
