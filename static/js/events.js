// A tiny publish/subscribe hub, so panels can follow the session without the
// session knowing about panels.
//
// Events:
//   "surface"    a new surface is drawn (id)
//   "runs"       runs were added, removed, shown or hidden
//   "selection"  another run is selected
//   "settings"   a run's optimizer, hyperparameters, schedule, clipping or noise changed (run index)
//   "start"      a run's start point changed (run index)
//   "speed"      the playback speed changed (steps per second)
//   "halt"       the runs stopped moving: paused, ended, or back at the start
//   "tab"        the student opened another Explore tab (name)
//   "view"       the student changed what is shown: a log toggle, a tool's form, the lesson
//   "view-keys"  a plug-in view changed its own view keys ({field: value}, e.g. cnn_mode)

const handlers = new Map();

export function on(name, fn) {
  if (!handlers.has(name)) handlers.set(name, []);
  handlers.get(name).push(fn);
}

export function emit(name, ...args) {
  for (const fn of handlers.get(name) ?? []) fn(...args);
}

/** A promise of the next `name` event, or of `ms` passing, whichever comes first. */
export function next(name, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const fn = () => {
      clearTimeout(timer);
      const list = handlers.get(name);
      list.splice(list.indexOf(fn), 1);
      resolve();
    };
    on(name, fn);
  });
}
