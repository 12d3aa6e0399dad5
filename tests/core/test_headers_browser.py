"""The headers in a real browser (headless Chromium against the live server): pages work under
their Content-Security-Policy, a page on another origin cannot log a visitor in or read the API,
and an origin on the CORS allow-list can."""

import http.server
import threading

import pytest
from django.conf import settings as django_settings

from tests.conftest import free_port, wait_for_script

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
_THIRD_PARTIES = ("https://fonts.googleapis.com", "https://cdn.redoc.ly")


def _csp_violations(page) -> list[str]:
    messages = []
    page.on(
        "console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None
    )
    return messages


def test_swagger_and_redoc_render_under_their_policy(live_server, page):
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=60000)
    assert page.locator(".opblock").count() >= 5
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=60000)
    wait_for_script(page, "document.querySelectorAll('[data-section-id]').length > 10", timeout=60)
    # ReDoc asks Google Fonts for its typeface and cdn.redoc.ly for its logo: no third party is
    # allowed, and it renders without them. Nothing of ours is blocked.
    assert [text for text in violations if not any(host in text for host in _THIRD_PARTIES)] == []


def test_an_inline_script_is_refused_on_a_page(live_server, page):
    """Every page's policy binds (the share page and players share it): an injected inline script does not run."""
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';
                             document.body.appendChild(s); }""")
    assert page.evaluate("window.ran === true") is False
    assert any("script-src" in text for text in violations)


class _AttackerSite:
    """A page on another origin, served by a plain HTTP server on a port of its own."""

    def __init__(self, html: str):
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker_site():
    sites = []

    def make(html):
        sites.append(_AttackerSite(html))
        return sites[-1]

    yield make
    for site in sites:
        site.close()


def _server(live_server) -> str:
    # localhost, so the attacker's 127.0.0.1 page is another site as well as another origin.
    return live_server.url.replace("127.0.0.1", "localhost")


def test_a_cross_site_form_cannot_log_the_visitor_in(live_server, page, user, attacker_site):
    target = f"{_server(live_server)}/api/login"
    site = attacker_site(f"""<!doctype html><html><body>
      <form id="f" method="post" action="{target}">
        <input name="email" value="{user.email}"><input name="password" value="{PASSWORD}">
      </form>
      <script>document.getElementById('f').submit();</script></body></html>""")
    with page.expect_navigation(url=target, timeout=30000):
        page.goto(site.url)
    assert "Unsupported media type" in page.content()
    assert not [
        c for c in page.context.cookies(_server(live_server)) if c["name"] == django_settings.SESSION_COOKIE_NAME
    ]


def _cross_origin_fetch(page, site, url) -> str:
    page.goto(site.url)
    return page.evaluate(
        """async (url) => {
        try { const r = await fetch(url, {headers: {"Authorization": "Bearer x"}}); return "read " + r.status; }
        catch (e) { return "blocked"; } }""",
        url,
    )


def test_cors_blocks_other_origins_by_default_and_allows_the_listed_ones(live_server, page, attacker_site, settings):
    site = attacker_site("<!doctype html><html><body>front-end</body></html>")
    url = f"{_server(live_server)}/api/v1/voice-gallery"
    assert _cross_origin_fetch(page, site, url) == "blocked"
    settings.CORS_ALLOWED_ORIGINS = [site.url]
    # The allowed front-end reads the API's answer (here: a 401 for the made-up token).
    assert _cross_origin_fetch(page, site, url) == "read 401"
