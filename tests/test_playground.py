"""The browser playground: served by the function (GET /), and used in real Chromium.

The page and its assets are checked over the WSGI app (headers, caching, weight, the switch,
CORS); then one browser session, Debian's Chromium driven by Playwright, uses the page
against a real server as a person would. It also takes the README's two screenshots, into
.build/screenshots/.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import threading
import time

import functions_framework
import pytest
from api import playground as playground_module
from api.playground import Playground
from api.service import HttpRequest, Service
from helpers import REPO, http, serve, strict_json
from playwright.sync_api import expect, sync_playwright
from sandbox import ConfigError

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / ".build" / "screenshots"
STATIC = playground_module.STATIC


# Served by the function ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    return functions_framework.create_app("execute", str(REPO / "function/main.py")).test_client()


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client):
    page = client.get("/", headers={"Accept-Encoding": "identity"})
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([\w-]+)'", policy).group(1)
    assert f'content="{nonce}"' in page.get_data(as_text=True)
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Content-Security-Policy"] != policy  # a nonce per answer
    assets = re.findall(r'(?:href|src)="(/playground/[0-9a-f]{16}/[\w.]+)"', page.get_data(True))
    assert sorted(a.rsplit("/", 1)[1] for a in assets) == ["playground.css", "playground.js"]
    for path in [*assets, assets[0].rsplit("/", 1)[0] + "/editor.js"]:
        asset = client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert asset.status_code == 200, path
        assert "Content-Encoding" not in asset.headers  # q=0 is a no
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        assert asset.headers["Vary"] == "Accept-Encoding"


def test_unknown_playground_paths_are_a_json_404(client):
    response = client.get("/playground/0000000000000000/playground.js")
    assert response.status_code == 404
    assert strict_json(response.data)["error"]["code"] == "not_found"


def test_the_page_and_its_assets_weigh_at_most_200_kb_gzipped(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    total = len(page.get_data())
    for name in ("playground.js", "playground.css", "editor.js"):
        path = f"/playground/{playground_module.Playground().version}/{name}"
        asset = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(asset.get_data()) == (STATIC / name).read_bytes()
        total += len(asset.get_data())
    print(f"\nplayground: {total} bytes gzipped, page and assets")
    assert total <= 200 * 1024


def test_the_committed_editor_bundle_is_the_lock_file_s():
    lock = hashlib.sha256((REPO / "editor" / "package-lock.json").read_bytes()).hexdigest()
    header = (STATIC / "editor.js").read_text().split("\n", 1)[0]
    assert f"package-lock.json sha256:{lock}." in header, "run `make editor`"
    assert "@codemirror/view" in (STATIC / "editor.LICENSES.txt").read_text()


def _handle(service: Service, method: str, path: str, headers: dict[str, str]):
    body = b'{"script": "def main():\\n    return 1"}' if method == "POST" else b""
    request = HttpRequest(method, path, {"content-type": "application/json", **headers},
                          len(body), io.BytesIO(body))  # fmt: skip
    return service.handle(request)[0]


def test_the_switch_turns_the_playground_off(sandbox):
    assert Service.from_env({"PYEXEC_PLAYGROUND": "off"}).playground is None
    assert Service.from_env({}).playground is not None
    off = Service(sandbox, 1 << 20, 1, playground=None)
    off.unavailable_reason = None
    for path in ("/", f"/playground/{playground_module.Playground().version}/editor.js"):
        response = _handle(off, "GET", path, {})
        assert (response.status, response.body["error"]["code"]) == (404, "not_found")
        assert "PYEXEC_PLAYGROUND" in response.body["error"]["message"]
    with pytest.raises(ConfigError, match="PYEXEC_PLAYGROUND"):
        Service.from_env({"PYEXEC_PLAYGROUND": "maybe"})


def test_cors_only_for_listed_origins(sandbox):
    listed = "https://tools.example.com"
    service = Service.from_env({"PYEXEC_CORS_ORIGINS": "HTTPS://Tools.Example.com:443/"})
    assert service.cors_origins == {listed}  # as browsers send it
    service = Service(sandbox, 1 << 20, 1, playground=Playground(),
                      cors_origins=frozenset({listed}))  # fmt: skip
    service.unavailable_reason = None
    asking = {"origin": listed, "access-control-request-method": "POST",
              "access-control-request-headers": "content-type"}  # fmt: skip
    preflight = _handle(service, "OPTIONS", "/execute", asking)
    assert preflight.status == 204 and preflight.payload == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == listed
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, GET"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    for refused in ({"origin": "https://evil.test"}, {"access-control-request-method": "PUT"},
                    {"access-control-request-headers": "content-type, x-token"}):  # fmt: skip
        other = _handle(service, "OPTIONS", "/execute", {**asking, **refused})
        assert (other.status, other.body["error"]["code"]) == (403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in other.headers
        assert listed not in other.body["error"]["message"]  # the list is not told
    page = _handle(service, "GET", "/", {"origin": listed, "accept-encoding": "gzip"})
    assert page.headers["Vary"] == "Accept-Encoding, Origin"
    posted = _handle(service, "POST", "/execute", {"origin": listed})
    assert posted.status == 200 and posted.headers["Access-Control-Allow-Origin"] == listed
    assert "Retry-After" in posted.headers["Access-Control-Expose-Headers"]
    unlisted = _handle(service, "POST", "/execute", {"origin": "https://evil.test"})
    assert unlisted.status == 200 and "Access-Control-Allow-Origin" not in unlisted.headers
    plain = _handle(service, "OPTIONS", "/execute", {})  # not a preflight
    assert plain.status == 405
    for bad in ("*", "https://a.example/path", "ftp://a.example"):
        with pytest.raises(ConfigError, match="PYEXEC_CORS_ORIGINS"):
            Service.from_env({"PYEXEC_CORS_ORIGINS": bad})


# In the browser -------------------------------------------------------------------------------

SLEEPER = "import time\ndef main(n):\n    time.sleep(n)\n    return n\n"


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory):
    """One slot and no queue, so that a second request at once gets 429."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with serve(log_path, PYEXEC_SLOTS="1", PYEXEC_QUEUE="0") as (base, _):
        yield base


def _status(page):
    return page.locator("#status")


def _editor_text(page, selector: str) -> str:
    return page.locator(f"{selector} .cm-content").inner_text()


def _type_into(page, selector: str, text: str) -> None:
    page.locator(f"{selector} .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.locator(f"{selector} .cm-content").fill(text)


def test_the_playground_in_chromium(browser_server):
    base = browser_server
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      color_scheme="light")  # fmt: skip
        page = context.new_page()
        problems, requests = [], []
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{base}/")
        expect(page.locator("#limits input[name=timeout_s]")).to_have_attribute("max", "60")

        # The seed's three examples, from the menu.
        page.select_option("#example", label="Hello (seed example 1)")
        page.click("#run")
        expect(_status(page)).to_have_text(re.compile(r"^200 ok · "))
        expect(page.locator("#result")).to_have_text('{\n  "status": "ok"\n}')
        expect(page.locator("#stdout")).to_have_text("Hello from IDE\n")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "playground-light.png")
        page.select_option("#example", label="numpy mean (seed example 2)")
        page.click("#run")
        expect(page.locator("#result")).to_have_text('{\n  "mean": 3\n}')
        page.select_option("#example", label="Read-only root (seed example 3)")
        page.click("#run")
        expect(_status(page)).to_have_text(re.compile(r"^422 exception"))
        expect(page.locator("#error-type")).to_have_text("OSError")
        expect(page.locator("#error-message")).to_contain_text("Read-only file system")
        expect(page.locator("#error-traceback")).to_contain_text('File "<script>", line 3')
        expect(page.locator("#script .cm-lintRange-error")).to_have_text(
            '    os.mkdir("/should_fail")'
        )  # line 3, the traceback's

        # A syntax error marks its line; Ctrl+Enter runs.
        _type_into(page, "#script", "def main():\n    return (1,\n")
        page.keyboard.press("Control+Enter")
        expect(_status(page)).to_have_text(re.compile(r"^422 syntax_error"))
        expect(page.locator("#error-extra")).to_contain_text("line: ")
        expect(page.locator("#script .cm-lintRange-error")).to_have_text("    return (1,")

        # args and a lower timeout are sent and honoured; bad args are never sent.
        _type_into(page, "#script", SLEEPER)
        _type_into(page, "#args", '{"n": ')
        page.click("#run")
        expect(page.locator("#args-error")).to_contain_text("Arguments:")
        _type_into(page, "#args", '{"n": 0}')
        page.fill("#limits input[name=timeout_s]", "1")
        page.click("#run")
        expect(page.locator("#result")).to_have_text("0")
        _type_into(page, "#args", '{"n": 3}')
        page.click("#run")
        expect(_status(page)).to_have_text(re.compile(r"^422 timeout"))
        expect(page.locator("#error-extra")).to_contain_text("timeout_s: 1")

        # The timeout and memory examples give their outcomes.
        page.select_option("#example", label="Timeout (a 1 s limit)")
        page.click("#run")
        expect(_status(page)).to_have_text(re.compile(r"^422 timeout"))
        page.select_option("#example", label="Memory limit (64 MiB)")
        page.click("#run")
        expect(_status(page)).to_have_text(re.compile(r"^422 memory_limit"))

        # A 429 shows its message and Retry-After: the one slot is busy.
        busy = threading.Thread(target=http, args=("POST", f"{base}/execute",
                                {"script": SLEEPER, "args": {"n": 6}}))  # fmt: skip
        busy.start()
        _type_into(page, "#script", "def main():\n    return 1\n")
        _type_into(page, "#args", "{}")
        for _ in range(20):  # until the sleeper holds the slot
            page.click("#run")
            expect(_status(page)).not_to_have_text("Running…")
            if _status(page).inner_text().startswith("429"):
                break
            time.sleep(0.2)
        expect(_status(page)).to_have_text(re.compile(r"^429 busy"))
        expect(page.locator("#error-extra")).to_contain_text("Retry-After: 1 s")
        busy.join()

        # The theme toggle persists across a reload.
        page.click("#theme")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.locator("#theme")).to_have_attribute("aria-pressed", "true")

        # A shared link restores the script and its args.
        _type_into(page, "#script", "def main(word):\n    return word * 2\n")
        _type_into(page, "#args", '{"word": "ab"}')
        page.fill("#limits input[name=timeout_s]", "7")
        page.click("#share")
        expect(_status(page)).to_contain_text("nothing is stored")
        link = page.url
        assert "#s=" in link
        fresh = context.new_page()
        fresh.on("request", lambda r: requests.append(r.url))
        fresh.goto(link)
        expect(fresh.locator("#script .cm-content")).to_contain_text("return word * 2")
        expect(fresh.locator("#args .cm-content")).to_contain_text('"word": "ab"')
        expect(fresh.locator("#limits input[name=timeout_s]")).to_have_value("7")
        fresh.click("#run")
        expect(fresh.locator("#result")).to_have_text('"abab"')
        fresh.select_option("#example", label="pandas DataFrame")
        fresh.click("#run")
        expect(fresh.locator("#stdout")).to_contain_text("mean")
        fresh.screenshot(path=SCREENSHOTS / "playground-dark.png")
        browser.close()
    print(f"\nbrowser session: {time.monotonic() - started:.1f} s")
    # Chromium logs every answer that is not 2xx; the API's 422 and 429 are expected here.
    expected = re.compile(r"Failed to load resource: .* status of (422|429) ")
    assert [p for p in problems if not expected.match(p)] == []
    assert requests and all(url.startswith(f"{base}/") for url in requests), requests
