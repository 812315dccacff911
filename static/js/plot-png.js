// PNG of a plot, at twice its size on screen (sharp on a slide), from a camera button in
// the plot's panel head. Plotly renders its own part (Plotly.toImage, no server, works
// offline); what the page draws over a plot — the contour's paths, arrows and start
// points (SVG), the basin map (canvases) — is painted on top in the same order, so the
// PNG is what the student sees.

import { saveBlob } from "./download.js";

export const PNG_SCALE = 2;

const $ = (id) => document.getElementById(id);

function loadImage(src) {
  const img = new Image();
  img.src = src;
  return img.decode().then(() => img);
}

const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";

/** The style properties an SVG needs once it is an image (away from the page's CSS). */
const SVG_TEXT_STYLE = ["fill", "stroke", "stroke-width", "paint-order", "font-family", "font-size", "font-weight"];

/** An SVG element as an image of `w`×`h` CSS pixels drawn at `scale`. */
function svgImage(svg, w, h, scale) {
  const clone = svg.cloneNode(true);
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  clone.setAttribute("viewBox", `0 0 ${w} ${h}`);
  clone.setAttribute("width", String(w * scale));
  clone.setAttribute("height", String(h * scale));
  const texts = svg.querySelectorAll("text");
  clone.querySelectorAll("text").forEach((t, i) => {
    const cs = getComputedStyle(texts[i]);
    for (const p of SVG_TEXT_STYLE) t.style.setProperty(p, cs.getPropertyValue(p));
  });
  const xml = new XMLSerializer().serializeToString(clone);
  return loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`);
}

/**
 * Paint the layers over a plot onto `ctx` (scaled), in DOM order: canvases with their CSS
 * opacity and blend mode, SVGs as images, and the layers inside positioned boxes.
 */
async function paintLayers(ctx, parent, origin, scale) {
  for (const el of parent.children) {
    if (el.classList.contains("js-plotly-plot") || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    const x = (r.left - origin.left) * scale;
    const y = (r.top - origin.top) * scale;
    if (el instanceof HTMLCanvasElement) {
      const cs = getComputedStyle(el);
      ctx.save();
      ctx.globalAlpha = Number(cs.opacity);
      ctx.globalCompositeOperation = cs.mixBlendMode === "normal" ? "source-over" : cs.mixBlendMode;
      ctx.imageSmoothingEnabled = false; // the basin map's cells stay cells
      ctx.drawImage(el, x, y, r.width * scale, r.height * scale);
      ctx.restore();
    } else if (el instanceof SVGSVGElement) {
      ctx.drawImage(await svgImage(el, r.width, r.height, scale), x, y);
    } else if (el instanceof HTMLElement) {
      ctx.save(); // a layer box clips what is inside it (the basin map to the plot area)
      if (getComputedStyle(el).overflow === "hidden") {
        ctx.beginPath();
        ctx.rect(x, y, r.width * scale, r.height * scale);
        ctx.clip();
      }
      await paintLayers(ctx, el, origin, scale);
      ctx.restore();
    }
  }
}

/**
 * The plot in `host` (a Plotly graph, or a box holding one and layers over it) as a PNG
 * blob, `scale` times its size on screen.
 */
export async function plotPng(host, scale = PNG_SCALE) {
  const gd = host.classList.contains("js-plotly-plot") ? host : host.querySelector(".js-plotly-plot");
  if (!gd?._fullLayout) throw new Error("nothing is drawn there yet");
  const box = host.getBoundingClientRect();
  const gdBox = gd.getBoundingClientRect();
  const w = Math.round(box.width);
  const h = Math.round(box.height);
  const url = await Plotly.toImage(gd, { format: "png", width: Math.round(gdBox.width), height: Math.round(gdBox.height), scale });
  const canvas = document.createElement("canvas");
  canvas.width = w * scale;
  canvas.height = h * scale;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff"; // a transparent plot background would be black in some viewers
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(await loadImage(url), (gdBox.left - box.left) * scale, (gdBox.top - box.top) * scale);
  if (gd !== host) await paintLayers(ctx, host, box, scale);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("could not encode the PNG"))), "image/png"));
}

/**
 * A camera button above each plot that saves `gdviz-<name>.png`.
 * @param {{at: string, plot: string, name: () => string}[]} plots  at: where the button goes
 *   (a selector; it sits at the end); plot: the plot's element id; name: the file's middle part
 * @param {{onError(message)}} h
 * @returns {() => void}  call when a name may have changed (another objective)
 */
export function installPlotCameras(plots, { onError }) {
  const syncs = plots.map(({ at, plot, name }) => {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "btn-camera";
    btn.dataset.for = plot;
    btn.innerHTML = '<svg class="btn-icon" viewBox="0 0 16 16" aria-hidden="true"><use href="#icon-camera"/></svg>';
    const sync = () => {
      const what = name();
      btn.dataset.plot = what;
      btn.title = `Save this plot as a PNG (gdviz-${what}.png, ${PNG_SCALE}× its size on screen)`;
      btn.setAttribute("aria-label", `Save the ${what} plot as a PNG`);
    };
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      try {
        saveBlob(await plotPng($(plot)), `gdviz-${name()}.png`);
      } catch (err) {
        onError(`Could not save the PNG: ${err.message}`);
      } finally {
        btn.disabled = false;
      }
    });
    document.querySelector(at)?.append(btn);
    sync();
    return sync;
  });
  return () => syncs.forEach((sync) => sync());
}
