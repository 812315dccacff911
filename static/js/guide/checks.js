// A guided-path goal's check (gdviz/scenarios/course.py `Check`), applied live to a run as
// the page holds it (runs.js: parallel arrays steps, losses, accs, xs, ys, and its status):
// the same rule as course.py's `met` (tests/js/course-checks.test.mjs keeps the two in step).

/**
 * Whether `run` (the page's display data of one run), trained with learning rate `lr`,
 * meets `check` ({kind, run, by?, value?, lr_min?, index?}).
 */
export function met(check, run, lr) {
  if (!check || !run) return false;
  const within = (k) => check.by === undefined || run.steps[k] <= check.by;
  const some = (values, ok) => values.some((v, k) => within(k) && v !== null && v !== undefined && ok(v));
  switch (check.kind) {
    case "converged":
      return run.status === "converged" && run.steps.length > 0 && run.steps.at(-1) <= check.by
        && (check.lr_min === undefined || lr >= check.lr_min);
    case "loss_below":
      return some(run.losses, (v) => v < check.value);
    case "accuracy_at_least":
      return some(run.accs, (v) => v >= check.value);
    case "beyond": {
      const values = check.index === 0 ? run.xs : run.ys;
      return values.some((v) => v !== null && v !== undefined && Math.abs(v) >= check.value);
    }
    default:
      return false;
  }
}
