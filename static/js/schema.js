// The link schema, limits and objective kinds the server publishes (GET /api/schema,
// gdviz/scenarios/schema.py), read from the copy the server puts on the page beside the
// scenario and the view (`<main id="app" data-schema="{json}">`). The page copies none of
// it by hand: link keys and their order, every limit it checks, every kind's views and
// capabilities come from here. Pure modules (url.js) take the schema as an argument.

/** The schema in `text` (#app's data-schema), or null when there is none. */
export function readSchema(text) {
  if (!text) return null;
  return JSON.parse(text);
}

/** This page's schema (null outside a page: Node's unit tests pass their own). */
export const SCHEMA = readSchema(globalThis.document?.getElementById("app")?.dataset.schema);

/** The limits the page checks before it asks the server (schema.limits). */
export const LIMITS = SCHEMA?.limits ?? null;
