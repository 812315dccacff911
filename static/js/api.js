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
