// A plug-in view's stylesheet (docs/kinds.md), loaded once when the view is first mounted:
// the server serves static/ at /static/; the offline page has it inline
// (export_html.OFFLINE_VIEWS) and may fetch nothing.

/** Link `/static/css/<name>.css` into the page once (not on the offline page). */
export function useStyle(name) {
  const href = `/static/css/${name}.css`;
  if (document.body.classList.contains("offline") || document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}
