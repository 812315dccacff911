// Inside a tiny CNN (model kind `cnn`, docs/models.md): one training image on its way
// through the network at the selected run's newest weights, and — in Backward mode — the
// gradient on its way back. A kind's plug-in view (static/js/plugins.js):
// mount(el, page) → {draw(desc), update(frame, run), clear()}.
//
//   the image, with the 3×3 window of the chosen kernel sliding over it, and the sum that
//     window makes: each pixel × its weight, + bias = z, then the activation;
//   every kernel of the block as a small heat map (they learn as the run plays);
//   Forward:  each kernel's map z, after the activation a, and pooled (winners outlined);
//   Backward: ∂L/∂p arriving at the pool's output, the same routed to each window's winner
//             only (zeros elsewhere — the course's answer), and ∂L/∂z = ∂L/∂a · act′(z);
//   the softmax bars against the one-hot target, and −log p_y.
//
// Every number comes from nets/cnn-forward.js, which equals the engine's trace (1e-12).
// The view's own settings (mode, image) start from the link's view keys cnn.mode and
// cnn.image and are put back in the link through the page's `view-keys` event.

import { backwardImage, cnnLayout, convSum, forwardImage, kernel } from "../nets/cnn-forward.js";
import { emit } from "../events.js";
import { fmt } from "../format.js";
import { useStyle as useSharedStyle } from "../view-style.js";

const NEG = [94, 60, 153]; // purple for < 0 (PuOr: colour-blind safe), white at 0
const POS = [230, 97, 1]; // orange for > 0
const SLIDE_MS = 700; // the window moves one pixel this often
const MAP_CELL = 8; // px per map pixel (at least)

/** Load the views' stylesheet (static/css/cnn.css) once. */
export const useStyle = () => useSharedStyle("cnn");

/** The colour of v on a diverging scale symmetric about 0 with half-range `r`. */
function diverging(v, r) {
  if (!Number.isFinite(v)) return "#888";
  const t = r > 0 ? Math.max(-1, Math.min(1, v / r)) : 0;
  const [cr, cg, cb] = t < 0 ? NEG : POS;
  const s = Math.abs(t);
  return `rgb(${Math.round(255 + (cr - 255) * s)},${Math.round(255 + (cg - 255) * s)},${Math.round(255 + (cb - 255) * s)})`;
}

/** A grey for a pixel value on [lo, hi] (black to white, as the images are). */
function grey(v, lo, hi) {
  const t = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
  const g = Math.round(255 * t);
  return `rgb(${g},${g},${g})`;
}

function absMax(arrays) {
  let m = 0;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A canvas `side × side` cells of `cell` px, drawn by colour(index of pixel). */
function heat(canvas, side, cell, colour, marks = null) {
  const px = side * cell;
  if (canvas.width !== px) { canvas.width = px; canvas.height = px; }
  const g = canvas.getContext("2d");
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      g.fillStyle = colour(y, x);
      g.fillRect(x * cell, y * cell, cell, cell);
    }
  }
  if (marks) marks(g, cell);
  return g;
}

function outline(g, x, y, w, h, color, width = 2) {
  g.strokeStyle = color;
  g.lineWidth = width;
  g.strokeRect(x + width / 2, y + width / 2, w - width, h - width);
}

/** The channel-k slice of a (side·side·c) map as a function of (y, x). */
const at = (map, side, c, k) => (y, x) => map[(y * side + x) * c + k];

export function mount(root, page) {
  const link = (() => {
    try {
      return JSON.parse(document.getElementById("app")?.dataset.view ?? "{}");
    } catch {
      return {};
    }
  })();
  const view = {
    mode: link.cnn_mode === "backward" ? "backward" : "forward",
    image: Number.isInteger(link.cnn_image) ? link.cnn_image : 0,
    block: 0, kernel: 0, channel: 0, pos: 0, pinned: false,
  };
  let desc = null;
  let layout = null;
  let params = null;
  let shownKey = "";
  let timer = null;

  useStyle();
  root.classList.add("cnn-view");
  const bar = el("div", "cnn-bar");
  const prev = el("button", "btn btn-small", "◀");
  const next = el("button", "btn btn-small", "▶");
  prev.type = next.type = "button";
  prev.title = "The previous training image";
  next.title = "The next training image";
  const which = el("span", "cnn-which");
  const modes = el("div", "cnn-modes");
  modes.setAttribute("role", "group");
  modes.setAttribute("aria-label", "Forward pass or backward pass");
  const modeButtons = ["forward", "backward"].map((m) => {
    const b = el("button", "btn btn-small", m === "forward" ? "Forward" : "Backward");
    b.type = "button";
    b.dataset.mode = m;
    b.setAttribute("aria-pressed", String(m === view.mode)); // (from the start: the link's mode)
    b.title = m === "forward" ? "What the image becomes, layer by layer" : "Where the gradient of its loss goes, layer by layer";
    b.addEventListener("click", () => setMode(m));
    modes.append(b);
    return b;
  });
  const blockPick = el("select", "cnn-block");
  blockPick.setAttribute("aria-label", "Which conv block");
  bar.append(prev, which, next, blockPick, modes);

  const top = el("div", "cnn-top");
  const inputFig = el("figure", "cnn-input");
  const inputCanvas = el("canvas");
  const inputCap = el("figcaption");
  inputFig.append(inputCanvas, inputCap);
  const sum = el("div", "cnn-sum");
  sum.setAttribute("aria-live", "off");
  const soft = el("figure", "cnn-soft");
  const softBars = el("div", "cnn-bars");
  const softCap = el("figcaption");
  soft.append(softBars, softCap);
  top.append(inputFig, sum, soft);

  const kernelsRow = el("div", "cnn-kernels");
  const maps = el("div", "cnn-maps");
  const caption = el("p", "cnn-caption");
  caption.setAttribute("aria-live", "polite");
  root.replaceChildren(bar, top, kernelsRow, maps, caption);

  prev.addEventListener("click", () => pickImage(view.image - 1));
  next.addEventListener("click", () => pickImage(view.image + 1));
  blockPick.addEventListener("change", () => {
    view.block = Number(blockPick.value);
    view.kernel = 0;
    view.channel = 0;
    view.pos = 0;
    view.pinned = false;
    rebuild();
  });

  function setMode(m) {
    view.mode = m;
    emit("view-keys", { cnn_mode: m });
    render();
  }

  function pickImage(i) {
    const n = desc?.data.gallery.length ?? 1;
    view.image = ((i % n) + n) % n;
    emit("view-keys", { cnn_image: view.image });
    render();
  }

  /** The DOM for the block shown: a canvas per kernel, and a row of maps per stage. */
  let cells = null;
  function rebuild() {
    if (!desc) return;
    const blk = desc.blocks[view.block];
    kernelsRow.replaceChildren(el("span", "cnn-rowlabel", blk.c_in > 1 ? `kernels (input ch ${view.channel + 1})` : "kernels"));
    const kernelCanvases = [];
    for (let o = 0; o < blk.c_out; o++) {
      const f = el("figure", "cnn-kernel");
      const c = el("canvas");
      c.title = `Kernel ${o + 1}: click to follow it`;
      c.addEventListener("click", () => {
        view.kernel = o;
        render();
      });
      f.append(c, el("figcaption", "", String(o + 1)));
      kernelsRow.append(f);
      kernelCanvases.push(c);
    }
    if (blk.c_in > 1) {
      const ch = el("button", "btn btn-small", "next ch");
      ch.type = "button";
      ch.title = "Show the kernels' weights for the next input channel";
      ch.addEventListener("click", () => {
        view.channel = (view.channel + 1) % blk.c_in;
        rebuild();
      });
      kernelsRow.append(ch);
    }
    const rows = [];
    maps.replaceChildren();
    for (let r = 0; r < 3; r++) {
      const head = el("span", "cnn-maplabel");
      const label = el("span", "cnn-rowlabel");
      const scale = el("span", "cnn-scale");
      head.append(label, scale);
      const row = el("div", "cnn-maprow");
      const canvases = [];
      for (let o = 0; o < blk.c_out; o++) {
        const c = el("canvas");
        c.dataset.kernel = String(o);
        if (r < 2) {
          c.addEventListener("click", (ev) => pinAt(ev, c, o, blk.side_conv));
          c.title = "Click a pixel to see the sum that makes it (click again to let the window slide)";
        }
        row.append(c);
        canvases.push(c);
      }
      maps.append(head, row);
      rows.push({ label, canvases, scale });
    }
    cells = { kernelCanvases, rows };
    render();
  }

  function pinAt(ev, canvas, o, side) {
    const rect = canvas.getBoundingClientRect();
    const x = Math.floor(((ev.clientX - rect.left) / rect.width) * side);
    const y = Math.floor(((ev.clientY - rect.top) / rect.height) * side);
    const pos = y * side + x;
    view.pinned = !(view.pinned && view.pos === pos && view.kernel === o);
    view.pos = pos;
    view.kernel = o;
    render();
  }

  function tick() {
    if (!desc || view.pinned || !root.isConnected || root.offsetParent === null) return;
    if (page.shown?.() === false) return; // (scrolled away, a closed tab, the browser tab behind)
    const side = desc.blocks[view.block].side_conv;
    view.pos = (view.pos + 1) % (side * side);
    render(true);
  }

  /** Draw everything for the current image, weights and settings (`slideOnly`: the window moved). */
  function render(slideOnly = false) {
    if (!desc || !cells || !params) return;
    const gallery = desc.data.gallery;
    const idx = Math.min(view.image, gallery.length - 1);
    const image = gallery[idx].flat();
    const label = desc.data.y_train[idx];
    const fwd = forwardImage(params, desc, image, layout);
    const back = view.mode === "backward" ? backwardImage(fwd, params, desc, label, layout) : null;
    const l = view.block;
    const blk = desc.blocks[l];
    const b = fwd.blocks[l];
    const o = Math.min(view.kernel, blk.c_out - 1);
    const y = Math.floor(view.pos / blk.side_conv);
    const x = view.pos % blk.side_conv;
    const pad = desc.padding === "same" ? 1 : 0;

    // the input with the sliding window, and the sum it makes
    const inSide = b.inSide;
    const inCell = Math.max(6, Math.floor(112 / inSide));
    const [lo, hi] = l === 0 ? desc.data.pixel_range : [Math.min(...b.input, 0), Math.max(...b.input, 1e-12)];
    const inCh = l === 0 ? 0 : view.channel;
    heat(inputCanvas, inSide, inCell, (yy, xx) => grey(b.input[(yy * inSide + xx) * b.cIn + inCh], lo, hi),
      (g, cell) => outline(g, (x - pad) * cell, (y - pad) * cell, 3 * cell, 3 * cell, "#ff7a00", 3));
    inputCap.textContent = l === 0
      ? `image ${idx + 1}: ${desc.class_names[label]}`
      : `pool 1, ch ${inCh + 1}`;
    which.textContent = `image ${idx + 1} of ${gallery.length} · ${desc.class_names[label]}`;
    drawSum(fwd, o, y, x);
    for (const btn of modeButtons) btn.setAttribute("aria-pressed", String(btn.dataset.mode === view.mode));
    if (slideOnly) {
      drawMaps(fwd, back, o, y, x);
      return;
    }
    // kernels (block l, input channel shown)
    const kMax = absMax([Float64Array.from({ length: blk.c_out * 9 }, (_, i) => {
      const oo = Math.floor(i / 9);
      const kk = kernel(params, layout, l, oo, view.channel);
      return kk[Math.floor((i % 9) / 3)][i % 3];
    })]);
    cells.kernelCanvases.forEach((c, oo) => {
      const kk = kernel(params, layout, l, oo, view.channel);
      heat(c, 3, 12, (yy, xx) => diverging(kk[yy][xx], kMax),
        oo === o ? (g) => outline(g, 0, 0, 36, 36, "#ff7a00", 3) : null);
      c.setAttribute("aria-label", `Kernel ${oo + 1}: ${kk.flat().map((v) => fmt(v)).join(", ")}`);
    });
    drawMaps(fwd, back, o, y, x);
    drawSoftmax(fwd, back, label);
    fitCaption();
    caption.textContent = view.mode === "forward"
      ? `Each kernel slides over ${l === 0 ? "the image" : "the pooled maps"}: z = Σ pixel × weight + b, then ${desc.activation}; the pool keeps the largest of each 2×2 window (dotted).`
      : "The gradient arriving at the pool's output goes only to each window's winner (dotted) — the max's gradient is 1, the others' 0 — then through the activation's slope to z.";
  }

  /** The caption only where the panel has room for it whole (a lesson beside the plots
   *  makes the main panel shorter). */
  function fitCaption() {
    caption.hidden = false;
    requestAnimationFrame(() => {
      caption.hidden = root.scrollHeight > root.clientHeight + 1;
    });
  }

  function drawSum(fwd, o, y, x) {
    const s = convSum(fwd, params, desc, view.block, o, y, x, layout);
    const act = desc.activation;
    const a = fwd.blocks[view.block].a[(y * desc.blocks[view.block].side_conv + x) * desc.blocks[view.block].c_out + o];
    const head = el("p", "cnn-sumhead", `kernel ${o + 1} at row ${y + 1}, col ${x + 1}: pixel × weight`);
    const parts = [head];
    if (s.terms.length === 9) {
      const grid = el("div", "cnn-terms");
      for (const t of s.terms) {
        const cellEl = el("span", t.inside ? "" : "cnn-pad", fmt(t.product));
        cellEl.title = `pixel ${fmt(t.v)} × weight ${fmt(t.w)} = ${fmt(t.product)}${t.inside ? "" : " (padding)"}`;
        grid.append(cellEl);
      }
      parts.push(grid);
    } else {
      const byCh = new Map();
      for (const t of s.terms) byCh.set(t.c, (byCh.get(t.c) ?? 0) + t.product);
      parts.push(el("p", "cnn-chsums", [...byCh.entries()].map(([c, v]) => `ch${c + 1} ${fmt(v)}`).join(" + ")));
    }
    const total = s.terms.reduce((acc, t) => acc + t.product, 0);
    parts.push(el("p", "cnn-sumline", `Σ = ${fmt(total)}, + b ${fmt(s.bias)} = z ${fmt(s.zMap)}`));
    parts.push(el("p", "cnn-sumline", `${act}(z) = ${fmt(a)}`));
    sum.replaceChildren(...parts);
  }

  function drawMaps(fwd, back, o, y, x) {
    const l = view.block;
    const blk = desc.blocks[l];
    const b = fwd.blocks[l];
    const side = blk.side_conv;
    const half = blk.side_pool;
    const c = blk.c_out;
    const cell = Math.max(MAP_CELL, Math.floor(40 / side));
    const stages = view.mode === "forward"
      ? [["z", b.z, side, "z = K ∗ x + b"], ["a", b.a, side, `a = ${desc.activation}(z)`], ["p", b.p, half, "max-pool 2×2"]]
      : [["dp", back.blocks[l].dp, half, "∂L/∂p at the pool"], ["da", back.blocks[l].da, side, "routed: ∂L/∂a"],
        ["dz", back.blocks[l].dz, side, "∂L/∂z = ∂L/∂a·a′"]];
    stages.forEach(([key, map, s, text], r) => {
      const row = cells.rows[r];
      row.label.textContent = text;
      const range = absMax([map]);
      row.scale.textContent = `±${fmt(range)}`;
      row.scale.title = "the colour scale: full orange at +, full purple at −";
      row.canvases.forEach((canvas, k) => {
        const pooled = s === half && (key === "p" || key === "dp");
        const cs = pooled ? cell * 2 : cell;
        const f = at(map, s, c, k);
        const winners = key === "a" || key === "da";
        heat(canvas, s, cs, (yy, xx) => diverging(f(yy, xx), range), (g, px) => {
          if (winners) {
            for (let yy = 0; yy < s; yy++) {
              for (let xx = 0; xx < s; xx++) {
                if (!b.won[(yy * s + xx) * c + k]) continue;
                g.fillStyle = "#111"; // a dot on each window's winner
                g.beginPath();
                g.arc((xx + 0.5) * px, (yy + 0.5) * px, Math.max(1.2, px * 0.18), 0, 2 * Math.PI);
                g.fill();
              }
            }
          }
          if (k === o && !pooled) outline(g, x * px, y * px, px, px, "#ff7a00", 2);
        });
        canvas.setAttribute("aria-label", `${text}, kernel ${k + 1}`);
      });
    });
  }

  function drawSoftmax(fwd, back, label) {
    const K = desc.n_classes;
    const rows = [];
    for (let k = 0; k < K; k++) {
      const row = el("div", `cnn-barrow${k === label ? " cnn-target" : ""}`);
      const name = el("span", "cnn-barname", desc.class_names[k]);
      const track = el("span", "cnn-track");
      const fill = el("span", "cnn-fill");
      fill.style.width = `${(100 * fwd.probs[k]).toFixed(1)}%`;
      track.append(fill);
      const value = el("span", "cnn-barvalue", back ? fmt(back.dlogits[k]) : fmt(fwd.probs[k]));
      row.append(name, track, value);
      rows.push(row);
    }
    softBars.replaceChildren(...rows);
    const p = fwd.probs[label];
    softCap.textContent = back
      ? "numbers: ∂L/∂z = p − one-hot"
      : `vs one-hot (outlined): −log p = ${fmt(-Math.log(p))}`;
  }

  return {
    draw(d) {
      desc = d;
      layout = cnnLayout(d);
      params = null;
      shownKey = "";
      view.block = 0;
      view.kernel = Math.min(view.kernel, d.blocks[0].c_out - 1);
      view.image = Math.min(view.image, d.data.gallery.length - 1);
      blockPick.replaceChildren(...d.blocks.map((_, l) => new Option(`block ${l + 1}`, String(l))));
      blockPick.hidden = d.blocks.length < 2;
      rebuild();
      clearInterval(timer);
      timer = setInterval(tick, SLIDE_MS);
    },
    update(frame, run) {
      if (!desc) return;
      const withParams = page.state.runs?.[run]?.withParams ?? (frame?.params ? frame : null);
      const p = withParams?.params;
      if (!p || p.length !== layout.dim) return;
      const key = `${run}:${withParams.step}`;
      if (key === shownKey && params) return;
      shownKey = key;
      params = p;
      render();
    },
    clear() {
      clearInterval(timer);
      timer = null;
      desc = null;
      params = null;
    },
  };
}
