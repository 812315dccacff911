// Saving a file the page made (an export, a plot's PNG): an <a download> on a blob: URL.
// No data: navigation and no inline script, so it works under the page's strict CSP.

/** Save `blob` as `filename` through the browser's download. */
export function saveBlob(blob, filename) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000); // the download has read it by then
}

/** The file name a response suggests (Content-Disposition), else `fallback`. */
export function suggestedName(res, fallback) {
  const cd = res.headers.get("Content-Disposition") ?? "";
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}
