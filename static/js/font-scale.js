// `scale=` for the page's own text: every font size in the page's style sheets, times
// the scale. The sheets give sizes in px (one size per element, tuned for a 1280×720
// projector), so instead of writing each size twice this copies every rule that sets a
// px font size into one more sheet, with the size multiplied, under the same selector
// and media condition. Adopted sheets come after the document's in the cascade, so at
// equal specificity the scaled size wins; sizes in em follow their parents'.

/** The `selector { font-size }` rules of `rules`, scaled, as CSS text (media kept). */
function scaledRules(rules, factor) {
  const out = [];
  for (const rule of rules) {
    if (rule instanceof CSSMediaRule) {
      const inner = scaledRules(rule.cssRules, factor);
      if (inner.length) out.push(`@media ${rule.conditionText} {\n${inner.join("\n")}\n}`);
    } else if (rule instanceof CSSStyleRule) {
      const m = /^([\d.]+)px$/.exec(rule.style.getPropertyValue("font-size"));
      if (!m) continue;
      const px = Math.round(Number(m[1]) * factor * 100) / 100;
      const important = rule.style.getPropertyPriority("font-size") ? " !important" : "";
      out.push(`${rule.selectorText} { font-size: ${px}px${important}; }`);
    }
  }
  return out;
}

/**
 * Scale every px font size of the page's (same-origin) style sheets by `factor`.
 * Call once, after the sheets have loaded (module scripts run after them).
 * @returns {CSSStyleSheet|null} the sheet added, or null when there is nothing to do
 */
export function scaleFonts(factor) {
  if (!(factor > 0) || factor === 1) return null;
  const rules = [];
  for (const sheet of document.styleSheets) {
    let list;
    try {
      list = sheet.cssRules;
    } catch {
      continue; // another origin's sheet (the page has none)
    }
    rules.push(...scaledRules(list, factor));
  }
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(rules.join("\n"));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  document.documentElement.style.setProperty("--font-scale", String(factor));
  return sheet;
}
