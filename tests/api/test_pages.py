"""The playground page's security headers."""


def test_playground_sends_a_strict_csp_and_refuses_foreign_framing(client):
    r = client.get("/")
    assert r.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in
               r.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'"  # no inline or remote scripts
    assert csp["frame-ancestors"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["default-src"] == "'self'"
    assert "<script>" not in r.text and "onclick" not in r.text


def test_embed_may_be_framed_by_any_site_by_default_and_keeps_the_scenario(client):
    r = client.get("/embed?v=1&surface=bowl&r0=gd&r0.lr=0.5")
    assert r.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in
               r.headers["content-security-policy"].split(";"))
    # no frame-ancestors at all: "*" would still refuse a deck opened from file://
    assert "frame-ancestors" not in csp and csp["script-src"] == "'self'"
    assert '"surface":"bowl"' in r.text.replace("&#34;", '"')


def test_embed_frame_ancestors_come_from_the_settings(monkeypatch):
    from local_client import local_client
    from gdviz.settings import get_settings
    monkeypatch.setenv("GDVIZ_EMBED_FRAME_ANCESTORS", "https://slides.example.org")
    get_settings.cache_clear()
    try:
        with local_client() as c:
            csp = c.get("/embed").headers["content-security-policy"]
        assert "frame-ancestors https://slides.example.org" in csp
    finally:
        get_settings.cache_clear()
