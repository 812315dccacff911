// What a classifier of images gets wrong (model kind `cnn`): the confusion matrix of the
// held-out images — rows the true class, columns the predicted one — and the mistakes it
// is most sure of, as thumbnails. A kind's plug-in view (static/js/plugins.js), shown as
// an Explore tab. The counts and the mistakes come from the server with the newest frame
// that carries the weights (frame fields `confusion` and `mistakes`, docs/models.md); the
// thumbnails are the description's grey levels of the test images.

import { fmt } from "../format.js";
import { useStyle } from "./cnn.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A cell's colour: the diagonal in blue, mistakes in orange, stronger the larger the share. */
function shade(count, rowTotal, right) {
  const t = rowTotal > 0 ? count / rowTotal : 0;
  const [r, g, b] = right ? [33, 102, 172] : [230, 97, 1];
  const mix = (c) => Math.round(255 + (c - 255) * Math.min(1, t));
  return { bg: `rgb(${mix(r)},${mix(g)},${mix(b)})`, ink: t > 0.55 ? "#fff" : "#111" };
}

function thumbnail(levels) {
  const side = levels.length;
  const c = el("canvas");
  c.width = c.height = side;
  const g = c.getContext("2d");
  const img = g.createImageData(side, side);
  levels.flat().forEach((v, i) => {
    img.data.set([v, v, v, 255], 4 * i);
  });
  g.putImageData(img, 0, 0);
  return c;
}

export function mount(root, page) {
  useStyle();
  root.classList.add("confusion-view");
  const head = el("p", "pane-caption");
  head.setAttribute("aria-live", "polite");
  const table = el("table", "confusion");
  const mistakesHead = el("h3", "confusion-sub", "Most confident mistakes");
  const mistakes = el("ul", "mistakes");
  root.replaceChildren(head, table, mistakesHead, mistakes);
  let desc = null;
  let shown = "";

  function drawTable(conf) {
    const K = desc.n_classes;
    const names = desc.class_names;
    const rows = [];
    const top = el("tr");
    top.append(el("th", "confusion-corner", "true ↓ / predicted →"));
    for (let k = 0; k < K; k++) top.append(el("th", "", names[k]));
    rows.push(top);
    for (let i = 0; i < K; i++) {
      const tr = el("tr");
      tr.append(el("th", "", names[i]));
      const total = conf ? conf[i].reduce((s, v) => s + v, 0) : 0;
      for (let j = 0; j < K; j++) {
        const n = conf ? conf[i][j] : null;
        const td = el("td", "", n === null ? "–" : n === 0 ? "" : String(n));
        if (n) {
          const { bg, ink } = shade(n, total, i === j);
          td.style.background = bg;
          td.style.color = ink;
        }
        td.title = n === null ? "" : `${n} ${names[i]} predicted as ${names[j]}`;
        tr.append(td);
      }
      rows.push(tr);
    }
    table.replaceChildren(...rows);
  }

  return {
    draw(d) {
      desc = d;
      shown = "";
      head.textContent = "The counts appear with the run's first frame.";
      drawTable(null);
      mistakes.replaceChildren();
    },
    update(frame, run) {
      if (!desc) return;
      const f = page.state.runs?.[run]?.withParams ?? frame;
      if (!f?.confusion) return;
      const key = `${run}:${f.step}`;
      if (key === shown) return;
      shown = key;
      drawTable(f.confusion);
      const onTest = desc.data.n_test > 0;
      const n = f.confusion.reduce((s, row) => s + row.reduce((a, v) => a + v, 0), 0);
      const right = f.confusion.reduce((s, row, i) => s + row[i], 0);
      head.textContent = `${onTest ? "Held-out test" : "Training"} images at step ${f.step}: ` +
        `${right} of ${n} right (${(100 * right / n).toFixed(1)} %).`;
      const items = (f.mistakes ?? []).map(([i, pred, p]) => {
        const li = el("li");
        const truth = onTest ? desc.data.y_test[i] : desc.data.y_train[i];
        const levels = onTest ? desc.data.test_levels[i] : null;
        if (levels) li.append(thumbnail(levels));
        li.append(el("span", "", `${desc.class_names[truth]} → ${desc.class_names[pred]} (${fmt(100 * p)} %)`));
        li.title = `test image ${i + 1}: a ${desc.class_names[truth]}, predicted ${desc.class_names[pred]} with p = ${fmt(p)}`;
        return li;
      });
      mistakes.replaceChildren(...(items.length ? items : [el("li", "none", "none: every image right")]));
    },
    clear() {
      desc = null;
    },
  };
}
