from strict_json import loads

SURFACE_IDS = ["bowl", "ravine", "saddle", "plateau", "two_wells", "rosenbrock", "himmelblau",
               "rastrigin", "ackley", "beale", "booth", "six_hump_camel", "styblinski_tang"]


def test_surfaces_list_shape(client):
    surfaces = loads(client.get("/api/surfaces").content)
    assert [s["id"] for s in surfaces] == SURFACE_IDS
    for s in surfaces:
        assert {"id", "name", "formula", "domain", "minima"} <= set(s)
        (x0, x1), (y0, y1) = s["domain"]
        assert x0 < x1 and y0 < y1
        assert all(len(m) == 2 for m in s["minima"])
    bowl = surfaces[0]
    assert bowl["formula"] == "f(x, y) = x² + y²" and bowl["minima"] == [[0.0, 0.0]]
    assert len(surfaces[SURFACE_IDS.index("himmelblau")]["minima"]) == 4
    assert surfaces[SURFACE_IDS.index("saddle")]["minima"] == []


def test_optimizers_follow_torch_defaults(client):
    opts = {o["id"]: o for o in loads(client.get("/api/optimizers").content)}
    assert list(opts) == ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
    assert opts["gd"]["params"]["lr"]["default"] == 1e-3
    assert opts["adam"]["params"]["betas"]["default"] == [0.9, 0.999]
    assert opts["adam"]["params"]["eps"]["default"] == 1e-8
    assert opts["adagrad"]["params"]["eps"]["default"] == 1e-10
    assert opts["rmsprop"]["params"]["alpha"]["default"] == 0.99
    assert opts["adamw"]["params"]["weight_decay"]["default"] == 1e-2
    for o in opts.values():
        for p in o["params"].values():
            assert {"default", "min", "max"} <= set(p)


def test_grid_values_and_bounds(client):
    g = loads(client.get("/api/surfaces/bowl/grid?n=5").content)
    assert g["x"] == [-2, -1, 0, 1, 2] and g["y"] == [-2, -1, 0, 1, 2]
    assert g["z"][0][2] == 4.0 and g["z"][2][2] == 0.0  # z[i][j] = f(x[j], y[i])
    r = client.get("/api/surfaces/bowl/grid?n=100000")
    assert r.status_code == 422 and "n" in r.json()["message"] and "400" in r.json()["message"]
    r = client.get("/api/surfaces/nope/grid")
    assert r.status_code == 404 and "surface" in r.json()["message"]


def test_docs_page_lists_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    for path in ["/api/surfaces", "/api/optimizers", "/api/run", "/api/surfaces/{surface_id}/grid"]:
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_plotly_served_locally(client):
    for part in ("plotly-2d.js", "plotly-core.js", "plotly-3d.js"):
        r = client.get(f"/static/vendor/plotly/{part}")
        assert r.status_code == 200 and len(r.content) > 50_000, part
        assert r.headers["content-type"].startswith("text/javascript")


def test_each_optimizer_states_its_update_rule(client):
    rules = {o["id"]: o["rule"] for o in loads(client.get("/api/optimizers").content)}
    assert rules["gd"] == "θ ← θ − η g"
    assert "μb" in rules["momentum"] and "μb" in rules["nesterov"]
    assert all(rules.values())
