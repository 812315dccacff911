"""One visual language: curves in the page's theme, −η∇L and the update told apart, weight
decay never written λ, header buttons with words at 1280 px, lessons and the Stability
panel read to their last sentence at 1280×720 (and Play in sight), every run's state and
point shown, a log axis over less than a decade labelled between its powers of ten; the
Explore panel's tabs on one row at every size (their plots keep the room), the sweep's
and the fit's plots tall enough to read on a 720 px projector, the runs' states whole there."""

from __future__ import annotations

import json
import urllib.request

import pytest
from stepping import settled_step

from gdviz.scenarios.course import guide_url

pytestmark = pytest.mark.browser


def luminance(css: str) -> float:
    """WCAG relative luminance of '#rrggbb' or 'rgb(a)(…)'."""
    if css.startswith("#"):
        h = css[1:] if len(css) == 7 else "".join(c * 2 for c in css[1:4])
        rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    else:
        rgb = [float(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


SIX = "v=1&surface=bowl&steps=2000&speed=60" + "".join(
    f"&r{k}=gd&r{k}.lr=0.0{k + 1}&r{k}.start={s}" for k, s in
    enumerate(["1.5,1", "-1.5,1", "1.5,-1", "-1.5,-1", "1,1.5", "-1,-1.5"]))


def test_curves_are_light_in_the_light_theme_and_every_line_reads(open_playground):
    page = open_playground(SIX)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('loss-plot').data?.length === 12 && "
                           "document.getElementById('loss-plot').data[0].x.length === 2")
    full = page.evaluate("(() => { const l = document.getElementById('loss-plot')._fullLayout; "
                         "return {plot: l.plot_bgcolor, paper: l.paper_bgcolor, legend: l.legend.font.color}; })()")
    assert luminance(full["plot"]) > 0.9 and luminance(full["paper"]) > 0.9
    assert luminance(full["legend"]) < 0.05
    data = page.evaluate("document.getElementById('loss-plot').data")
    lines, now = data[:6], data[6:]
    colours = [t["line"]["color"] for t in lines]
    assert all(contrast(c, full["plot"]) >= 3 for c in colours), colours  # run 4's white path: a grey line
    # each run's newest point is a dot at the end of its line
    assert [t["meta"] for t in now] == ["now"] * 6
    assert [(t["x"], t["y"]) for t in now] == [(t["x"][-1:], t["y"][-1:]) for t in lines]
    assert [t["marker"]["color"] for t in now] == colours


def test_gradient_and_update_arrows_are_told_apart_or_drawn_once(open_playground):
    # bowl, momentum μ = 0.9, η = 0.1 from (1.5, 1): after one step −η∇L = (−0.24, −0.16)
    # and the update −η(μb + g) = (−0.51, −0.34) — both long enough to see
    page = open_playground("surface=bowl&r0=momentum&r0.lr=0.1&r0.start=1.5,1")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    arrows = page.evaluate("""[...document.querySelectorAll('#contour .overlay g.arrow')].map(g => ({
        shown: g.getAttribute('visibility') !== 'hidden', dash: g.children[1].getAttribute('stroke-dasharray'),
        color: g.children[1].getAttribute('stroke')}))""")
    assert all(a["shown"] for a in arrows)  # momentum: the update is not −η∇L
    (grad, update) = arrows
    assert grad["dash"] and not update["dash"] and grad["color"] != update["color"]
    # plain GD: the update is −η∇L — one arrow, with both names
    page = open_playground("surface=bowl&r0=gd&r0.lr=0.1&r0.start=1.5,1")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.step === '1'")
    shown = page.evaluate("[...document.querySelectorAll('#contour .overlay g.arrow')].map(g => g.getAttribute('visibility'))")
    assert shown == ["hidden", "visible"]
    labels = page.evaluate("[...document.querySelectorAll('#contour .arrow-label')].filter(t => t.getAttribute('visibility') === 'visible').map(t => t.textContent)")
    assert labels == ["update = −η∇L"]


def test_weight_decay_is_not_written_lambda(open_playground):
    page = open_playground("surface=bowl&r0=momentum&r0.lr=0.5&r0.weight_decay=1")
    label = page.text_content("label[for='hp-weight_decay']")
    assert "weight decay" in label and "λ" not in label
    page.wait_for_selector("#stab-wd")
    assert "λ_max + wd" in page.text_content("#stab-wd")
    assert "wd" in page.text_content("tr[data-optimizer='momentum'] .stab-formula")
    title = page.get_attribute("label[for='hp-weight_decay']", "title") or page.evaluate(
        "document.querySelector('label[for=\"hp-weight_decay\"]').closest('.hyper-row').title")
    assert "λ" not in title


@pytest.mark.parametrize("width, words", [(1280, True), (1440, True), (1100, False)])
def test_header_buttons_have_words_from_1280_px(open_playground, page, width, words):
    page.set_viewport_size({"width": width, "height": 720})
    open_playground("surface=bowl")
    for button in ("#btn-copy-link", "#btn-copy-embed", "#btn-export", "#btn-lessons"):
        shown = page.evaluate(f"""[...document.querySelectorAll('{button} span')]
            .filter(s => s.offsetWidth > 2 && getComputedStyle(s).clip === 'auto').map(s => s.textContent.trim())""")
        assert bool(shown) == words, (button, shown)
    # the formula keeps some room at 1280 px
    if width == 1280:
        assert page.evaluate("document.getElementById('formula').clientWidth") > 150
    page.set_viewport_size({"width": 1280, "height": 720})


def test_every_lesson_and_stability_panel_is_read_to_its_end_at_1280x720(page, server_url):
    with urllib.request.urlopen(f"{server_url}/api/presets") as r:
        presets = json.load(r)
    for preset in presets:
        page.goto(f"{server_url}/s/{preset['id']}")
        page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
        page.wait_for_function("document.getElementById('lesson').dataset.state === 'shown'")
        page.wait_for_function("document.getElementById('lesson-text').dataset.fit")
        text = page.evaluate("(() => { const t = document.getElementById('lesson-text'); "
                             "return [t.scrollHeight, t.clientHeight, t.getBoundingClientRect().bottom]; })()")
        assert text[0] <= text[1] and text[2] <= 720, (preset["id"], text)
        # Play stays in sight above the status (a kind's options and Adam's settings scroll)
        play, status = (page.locator(sel).bounding_box() for sel in ("#btn-play", ".controls > .status"))
        assert play["y"] >= 0 and play["y"] + play["height"] <= status["y"] + 0.5, (preset["id"], play, status)
        if page.is_visible("#stability-panel"):
            page.wait_for_selector("#stab-verdict")
            page.wait_for_function("document.getElementById('stability-panel').dataset.fit === 'whole'")
            verdict = page.evaluate("document.getElementById('stab-verdict').getBoundingClientRect().bottom")
            panel = page.evaluate("document.getElementById('stability-panel').getBoundingClientRect().bottom")
            assert verdict <= panel + 0.5, preset["id"]


def test_every_run_shows_its_state_and_where_it_is(open_playground):
    page = open_playground("surface=bowl&steps=3000&speed=60&r0=gd&r0.lr=0.3&r0.start=1.5,1"
                           "&r1=gd&r1.lr=0.0005&r1.start=-1.5,1&r2=gd&r2.lr=1.1&r2.start=1,-1.5")
    page.keyboard.press("Space")
    page.wait_for_function("window.__gdviz.state.runs[0].status && window.__gdviz.state.runs[2].status")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status !== 'running'")
    settled_step(page)
    states = page.evaluate("""[...document.querySelectorAll('#runs-list .run-badge')].map(b => ({
        status: b.dataset.status, word: b.querySelector('.run-badge-word').textContent,
        shown: b.querySelector('.run-badge-word').offsetWidth > 0}))""")
    assert [s["status"] for s in states[::2]] == ["converged", "diverged"]
    assert states[1]["status"] in ("paused", "running")  # the slow run has not ended
    assert all(s["word"] and s["shown"] for s in states), states
    # each shown run's current point is marked: the selected one's large dot, the others' small ones
    dot = lambda r: page.evaluate(f"document.querySelector('#contour .overlay g.run[data-run=\"{r}\"] circle.now').getAttribute('visibility')")  # noqa: E731
    assert dot(1) == "visible"  # run 2 is on the plot (run 3 diverged off it; run 1's is the large dot)
    assert page.evaluate("document.querySelector('#contour .overlay > g > circle').getAttribute('visibility')") == "visible"


def test_a_log_axis_over_less_than_a_decade_is_labelled_between_powers_of_ten(open_playground):
    # GD creeping down the bowl: the loss goes from 3.25 to 0.29 — one power of ten, 1
    page = open_playground("surface=bowl&steps=300&speed=1000&r0=gd&r0.lr=0.002&r0.start=1.5,1")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status !== 'running' && document.body.dataset.step === '300'")
    page.wait_for_function("document.getElementById('loss-plot').data?.[0]?.x.at(-1) === 300")
    labels = page.evaluate("[...document.querySelectorAll('#loss-plot .ytick text')].map(t => t.textContent)")
    assert len(labels) >= 3 and "2" in labels and "0.5" in labels, labels
    assert not any("10" in t for t in labels), labels  # 0.5 and 2, not 5×10⁻¹ and 2×10⁰
    # many decades (η = 0.3 converges in 17 steps): the powers of ten alone
    page = open_playground("surface=bowl&steps=300&speed=1000&r0=gd&r0.lr=0.3&r0.start=1.5,1")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.status === 'converged'")
    page.wait_for_function("document.getElementById('loss-plot').data?.[0]?.x.length > 10")
    many = page.evaluate("[...document.querySelectorAll('#loss-plot .ytick text')].map(t => t.textContent)")
    assert many and all(t == "1" or t.startswith("10") for t in many), many


TAB_ROW = """(() => {
    const list = document.getElementById('explore-tabs');
    const row = list.getBoundingClientRect();
    const tabs = [...list.querySelectorAll('[role=tab]')].filter((t) => !t.hidden).map((t) => {
        const r = t.getBoundingClientRect();
        return {id: t.id, top: Math.round(r.top), height: r.height, left: r.left, right: r.right};
    });
    const open = list.querySelector('[aria-selected=true]').getBoundingClientRect();
    return {height: row.height, left: row.left, right: row.right, tabs,
            open: [open.left, open.right], scrolls: list.scrollWidth > list.clientWidth + 1};
})()"""


def tab_row(page) -> dict:
    return page.evaluate(TAB_ROW)


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080), (390, 844)])
def test_the_explore_tabs_are_one_row_at_every_size(page, server_url, size):
    """Two rows of tabs took ~30 px from the plots under them at 1280×720 (the η sweep's
    was ~110 px tall on the guided path); a 2-weight model's nine tabs and its note took three."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    try:
        # (a surface's six tabs fit from 1280 px; a 2-weight model's nine from 1920 px, its note scrolls)
        for preset, scrolls in (("lr-diverging", size[0] < 1000), ("linreg2", size[0] < 1920 or None)):
            page.goto(server_url + guide_url(preset))
            page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
            row = tab_row(page)
            assert len({t["top"] for t in row["tabs"]}) == 1, (preset, size, row["tabs"])
            assert row["height"] <= max(t["height"] for t in row["tabs"]) + 1, (preset, size, row)
            # the open tab is whole in sight, and every tab when they fit
            assert row["left"] - 0.5 <= row["open"][0] and row["open"][1] <= row["right"] + 0.5, (preset, size, row)
            if scrolls is not None:
                assert row["scrolls"] == scrolls, (preset, size, row)
            if not scrolls:
                assert all(row["left"] - 0.5 <= t["left"] and t["right"] <= row["right"] + 0.5 for t in row["tabs"])
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def test_tabs_beyond_the_row_are_reached_by_its_arrow_the_wheel_and_the_keys(page, server_url):
    page.goto(server_url + guide_url("linreg2"))  # nine tabs and a note: more than 424 px
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    page.wait_for_function("!document.querySelector('.tabs-end[data-end=end]').hidden")
    assert page.is_hidden(".tabs-end[data-end=start]")
    in_sight = "(id) => { const r = document.getElementById('explore-tabs').getBoundingClientRect();" \
               " const t = document.getElementById(id).getBoundingClientRect();" \
               " return t.left >= r.left - 0.5 && t.right <= r.right + 0.5; }"
    assert not page.evaluate(in_sight, "tab-sweep")
    # › scrolls the row on to its end (and then hides itself), where ‹ goes back
    for _ in range(6):
        if page.is_hidden(".tabs-end[data-end=end]"):
            break
        page.click(".tabs-end[data-end=end]")
        page.wait_for_timeout(400)
    assert page.is_hidden(".tabs-end[data-end=end]") and page.is_visible(".tabs-end[data-end=start]")
    assert page.evaluate(in_sight, "tab-sweep")
    page.click("#tab-sweep")
    page.wait_for_function("document.getElementById('sweep-panel').classList.contains('active')")
    # the wheel turns the row back
    box = page.locator("#explore-tabs").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -2000)
    page.wait_for_function("document.getElementById('explore-tabs').scrollLeft === 0")
    assert page.evaluate("scrollY") == 0  # (the page did not scroll instead)
    # Home / End (and ← →) between the tabs: the one chosen is scrolled into sight
    page.focus("#sweep-min")
    page.focus("#explore-tabs [aria-selected=true]")
    page.keyboard.press("Home")
    page.wait_for_function("document.activeElement.id === 'tab-fit'")
    assert page.evaluate(in_sight, "tab-fit") and not page.evaluate(in_sight, "tab-sweep")
    page.keyboard.press("End")
    page.wait_for_function("document.activeElement.id === 'tab-sweep'")
    assert page.evaluate(in_sight, "tab-sweep")


@pytest.mark.parametrize("preset, plot", [("lr-diverging", "#sweep-plot"), ("linreg2", "#fit-plot")])
def test_the_sweep_and_the_fit_are_tall_enough_to_read_at_1280x720(page, server_url, preset, plot):
    """The guided step's goal is "Open η sweep, read the bound 2/λ_max": the plot it is
    read on, and its labels off the points near the bound."""
    page.goto(server_url + guide_url(preset))
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    if preset == "lr-diverging":
        page.click("#btn-sweep")
        page.wait_for_function("document.getElementById('sweep-caption').dataset.state === 'done'")
    page.wait_for_function(f"(el => el._fullLayout && Math.abs(el._fullLayout.height - el.clientHeight) < 2)"
                           f"(document.querySelector('{plot}'))")
    height = page.evaluate(f"document.querySelector('{plot}').getBoundingClientRect().height")
    assert height >= 180, (preset, height)
    if preset == "lr-diverging":
        # the bound's label (and the run's) above the plot area, clear of every point, in the frame
        labels = page.evaluate("""(() => {
            const el = document.getElementById('sweep-plot');
            const box = el.getBoundingClientRect();
            const top = box.top + el._fullLayout.yaxis._offset;
            return {top, left: box.left, right: box.right, labels: [...el.querySelectorAll('.annotation')].map((a) => {
                const r = a.getBoundingClientRect();
                return {text: a.textContent, top: r.top, bottom: r.bottom, left: r.left, right: r.right};
            })};
        })()""")
        texts = [a["text"] for a in labels["labels"]]
        assert "2/λ_max = 1" in texts and any("1.1" in t for t in texts), texts
        for a in labels["labels"]:
            assert a["bottom"] <= labels["top"] + 1, a
            assert labels["left"] - 0.5 <= a["left"] and a["right"] <= labels["right"] + 0.5, (a, labels)
        (a, b) = labels["labels"]
        assert a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]


@pytest.mark.parametrize("preset", ["saddle-escape", "1d-learning-rates"])
def test_the_runs_states_are_whole_at_1280x720(page, server_url, preset):
    """Two or three runs whose state wrapped under the name (saddle-escape's "max steps"
    beside "σ 0.01") had their badges cut by the runs' box, which gave way before the
    selected run's settings did."""
    page.goto(server_url + guide_url(preset).replace("speed=15", "speed=300").replace("speed=4", "speed=300"))
    page.wait_for_function("document.body.dataset.ready === '1' && document.body.dataset.step === '0'")
    page.keyboard.press("Space")
    page.wait_for_function("[...document.querySelectorAll('#runs-list .run-badge')]"
                           ".every((b) => !['ready', 'running', 'paused'].includes(b.dataset.status))")
    settled_step(page)
    runs = page.evaluate("""(() => {
        const box = document.querySelector('.controls > .runs');
        const r = box.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, scrolls: box.scrollHeight > box.clientHeight + 1,
                badges: [...box.querySelectorAll('.run-badge')].map((b) => b.getBoundingClientRect().bottom)};
    })()""")
    assert not runs["scrolls"] and all(b <= runs["bottom"] + 0.5 for b in runs["badges"]), runs
    # (and Play still above the status)
    play, status = (page.locator(sel).bounding_box() for sel in ("#btn-play", ".controls > .status"))
    assert play["y"] + play["height"] <= status["y"] + 0.5, (play, status)
