// The lesson beside the plots: when the link names a preset (`preset=ravine-momentum`, as
// /s/{id} and the gallery's links do), its title and text sit in the bottom row next to
// the curves, so the student reads what to watch while it runs. Editing the scenario keeps
// the lesson but says so, with a link back to the preset's own scenario; closing it takes
// `preset=` out of the link.

const $ = (id) => document.getElementById(id);

export class LessonPanel {
  /** @param {{onClose()}} h  the student closed the lesson */
  constructor({ onClose }) {
    this.box = $("lesson");
    this.title = $("lesson-title");
    this.text = $("lesson-text");
    this.changed = $("lesson-changed");
    this.reset = $("lesson-reset");
    this.preset = null;
    $("lesson-close").addEventListener("click", () => {
      this.hide();
      onClose();
    });
  }

  /** Show a preset's lesson ({id, title, lesson, url} from GET /api/presets). */
  show(preset) {
    this.preset = preset;
    this.title.textContent = preset.title;
    this.text.textContent = preset.lesson;
    this.reset.href = preset.url;
    this.changed.hidden = true;
    this.box.hidden = false;
    this.box.dataset.preset = preset.id;
    document.body.dataset.lesson = preset.id; // the bottom row makes room (gallery.css)
  }

  hide() {
    this.preset = null;
    this.box.hidden = true;
    delete this.box.dataset.preset;
    delete document.body.dataset.lesson;
  }

  /** The scenario on screen is no longer the lesson's (or is again, after an undo). */
  markChanged(changed) {
    if (!this.preset) return;
    this.changed.hidden = !changed;
    this.box.classList.toggle("changed", changed);
  }
}
