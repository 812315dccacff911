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
