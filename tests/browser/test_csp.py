"""The page works under its own strict Content-Security-Policy (no bypass)."""

from polling import poll


def test_the_playground_runs_under_its_csp_without_violations(strict_page, server_url):
    errors = []
    strict_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    strict_page.on("pageerror", lambda e: errors.append(str(e)))
    response = strict_page.goto(f"{server_url}/?v=1&surface=bowl&r0=gd&r0.lr=0.1&r0.start=1,1")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    poll(strict_page, "() => document.body.dataset.ready === '1'")
    poll(strict_page, "() => ['drawn', 'deferred'].includes(document.body.dataset.surface3d)")
    strict_page.keyboard.press("Space")
    poll(strict_page, "() => Number(document.body.dataset.step) > 5")
    # a network too: its boundary, curves and diagnosis are drawn by the same modules
    strict_page.goto(f"{server_url}/?v=1&model=mlp&model.hidden=4&r0=adam&r0.lr=0.01")
    poll(strict_page, "() => document.body.dataset.ready === '1'")
    strict_page.keyboard.press("Space")
    poll(strict_page, "() => Number(document.body.dataset.step) > 5")
    assert errors == [], errors
