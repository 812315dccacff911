"""Links made by `v=1` keep working: these were written by the page and the presets
when v=1 was current, and must read back as exactly the same scenario and view.
Do not edit a link here to make a test pass — a change that breaks one breaks
every copy of it in lecture slides and bookmarks."""

import pytest

from gdviz.scenarios.models import Scenario
from gdviz.scenarios.url import scenario_from_query
from gdviz.scenarios.presets import PRESETS
from gdviz.scenarios.view import View, resolve, view_from_query

LINKS_V1 = [
    (  # a surface race with a schedule, clipping and noise
        "v=1&surface=rosenbrock&steps=500&seed=3&speed=30&r0=adam&r0.start=-1.5,2&r0.lr=0.01"
        "&r0.betas=0.9,0.999&r1=gd&r1.start=-1.5,2&r1.lr=0.001&r1.schedule=cosine&r1.T_max=500"
        "&r1.clip_norm=10&r1.noise=0.5",
        {"surface": "rosenbrock", "steps": 500, "seed": 3, "speed": 30,
         "runs": [{"optimizer": "adam", "start": [-1.5, 2], "lr": 0.01, "betas": [0.9, 0.999]},
                  {"optimizer": "gd", "start": [-1.5, 2], "lr": 0.001, "schedule": "cosine",
                   "T_max": 500, "clip_norm": 10, "noise": 0.5}]},
        {}),
    (  # a network, every model field written (the page's form), per-run init
        "v=1&model=mlp&model.dataset=xor&model.n=400&model.test_fraction=0.2&model.seed=0"
        "&model.hidden=8,8,8,8&model.activation=sigmoid&model.head=softmax_ce"
        "&model.init=xavier&steps=300&seed=0&speed=30&r0=gd&r0.lr=0.5&r1=adam&r1.init=he"
        "&r1.lr=0.01&preset=vanishing-gradients&tab=why",
        {"model": {"kind": "mlp", "dataset": "xor", "n": 400, "test_fraction": 0.2, "seed": 0,
                   "hidden": [8, 8, 8, 8], "activation": "sigmoid", "head": "softmax_ce",
                   "init": "xavier"},
         "steps": 300, "seed": 0, "speed": 30,
         "runs": [{"optimizer": "gd", "lr": 0.5},
                  {"optimizer": "adam", "init": "he", "lr": 0.01}]},
        {"preset": "vanishing-gradients", "tab": "why"}),
    (  # the two-weight regression with a landscape tool's settings
        "v=1&model=linreg2&steps=700&seed=0&speed=60&r0=momentum&r0.start=2,3&r0.lr=0.05"
        "&r0.momentum=0.9&tab=sweep&sweep.min=0.001&sweep.max=3&sweep.n=80&loss_log=0",
        {"model": {"kind": "linreg2"}, "steps": 700, "seed": 0, "speed": 60,
         "runs": [{"optimizer": "momentum", "start": [2, 3], "lr": 0.05, "momentum": 0.9}]},
        {"tab": "sweep", "sweep_min": 0.001, "sweep_max": 3, "sweep_n": 80, "loss_log": False}),
    (  # an embed for slides
        "v=1&surface=ravine&steps=200&seed=0&speed=20&r0=gd&r0.start=-1.8,0.6&r0.lr=0.095"
        "&r1=momentum&r1.start=-1.8,0.6&r1.lr=0.095&r1.momentum=0.3&select=1&hide=0"
        "&controls=none&autoplay=1&theme=dark&scale=1.5&show=main,loss,grad",
        {"surface": "ravine", "steps": 200, "seed": 0, "speed": 20,
         "runs": [{"optimizer": "gd", "start": [-1.8, 0.6], "lr": 0.095},
                  {"optimizer": "momentum", "start": [-1.8, 0.6], "lr": 0.095,
                   "momentum": 0.3}]},
        {"select": 1, "hide": [0], "controls": "none", "autoplay": True, "theme": "dark",
         "scale": 1.5, "show": ["main", "loss", "grad"]}),
]


@pytest.mark.parametrize("link, scenario, view", LINKS_V1)
@pytest.mark.parametrize("embed", [False, True])
def test_v1_links_read_back_exactly(link, scenario, view, embed):
    query = dict(pair.split("=", 1) for pair in link.split("&"))
    assert scenario_from_query(query) == (Scenario.model_validate(scenario), [])
    assert view_from_query(query, embed=embed, presets=PRESETS) == (resolve(View(**view), embed=embed), [])
