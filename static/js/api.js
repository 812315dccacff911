// REST calls to the gdviz server (same origin only).

async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    let detail = "";
    try {
      const body = await res.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
    } catch {
      detail = res.statusText;
    }
    throw new Error(`${path}: ${res.status} ${detail}`);
  }
  return res.json();
}

/** [{id, name, formula, domain, minima, start, lr, contour_scale}] */
export const fetchSurfaces = () => getJSON("/api/surfaces");

/** [{id, name, params: {name: {default, min, max}}}] */
export const fetchOptimizers = () => getJSON("/api/optimizers");

/** {x: [n], y: [n], z: [[n] per y]} with null for non-finite z. */
export const fetchGrid = (surfaceId, n = 120) =>
  getJSON(`/api/surfaces/${encodeURIComponent(surfaceId)}/grid?n=${n}`);

/**
 * Frame 0 of every run (the start, its loss, gradient and first update) without
 * starting a stream: POST /api/run with a one-step budget.
 */
export async function fetchStartFrames(scenario) {
  const res = await fetch("/api/run", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ ...scenario, steps: 1 }),
  });
  if (!res.ok) {
    let detail = res.statusText;
    try {
      const body = await res.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
    } catch {
      /* keep statusText */
    }
    throw new Error(detail);
  }
  const body = await res.json();
  return body.runs.map((r) => ({ ...r.frames[0], status: r.frames.length === 1 ? r.status : null, reason: r.reason }));
}
