"""The chat widget in Debian's headless Chromium: embedded by its script tag on a store's page served from
another origin, and as the full-page chat at /, at 1280×900 and 390×844, against a real uvicorn server.

Screenshots of every state go to var/screenshots/ for people to look at; axe-core (tests/browser, npm) checks
each state for serious or critical accessibility violations."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from rag.settings import Settings
from server.app import create_app

from .conftest import ROOT, free_port
from .webhook_receiver import WebhookReceiver

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
ADMIN = {"X-API-Key": "widget-admin"}
SECRET = "widget-helpdesk-secret"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
FILE_PATH = re.compile(r"[\w.-]+/[\w./-]+|\.(csv|jsonl?|md|html?|pdf|txt|xml|tsv)\b", re.IGNORECASE)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"),
]

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trailhead Outfitters</title><link rel="icon" href="data:,">
<style>
  /* The store's own CSS, deliberately hostile: none of it may reach the widget. */
  * {{ font-family: Georgia, serif !important; color: #c00 !important; }}
  button {{ background: yellow !important; }}
  main {{ max-width: 900px; margin: 0 auto; padding: 24px; }}
</style></head>
<body><main><h1>Trailhead Outfitters</h1><p>Gear for every trail. Questions? Our assistant is in the corner.</p></main>
<script src="{api}/widget.js" data-lang="en" data-store-name="Trailhead Outfitters" data-greeting="Welcome to Trailhead Outfitters! How can we help?"
        data-greeting-zh="欢迎光临 Trailhead Outfitters！有什么可以帮您？"></script>
</body></html>
"""


class Server:
    """uvicorn in a thread on 127.0.0.1, stopped by the fixture."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn never started"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def helpdesk():
    receiver = WebhookReceiver(SECRET)
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def store_page(tmp_path_factory):
    """The store's own site, on another origin than the assistant: it only adds the script tag."""
    folder = tmp_path_factory.mktemp("store-site")
    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def assistant(sample_settings, serving, helpdesk, store_page, tmp_path_factory):
    folder, store_url = store_page
    settings = Settings(**{**sample_settings.model_dump(), "data_dir": tmp_path_factory.mktemp("widget-data"),
                           "admin_api_keys": ["widget-admin"], "allowed_origins": [store_url],
                           "handoff_webhook_url": helpdesk.url, "handoff_webhook_secret": SECRET,
                           "reload_interval_seconds": 0})
    server = Server(create_app(settings, serving))
    (folder / "index.html").write_text(HOST_PAGE.format(api=server.url))
    yield server, settings
    server.stop()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


def new_page(browser, viewport: str, **extra):
    phone = viewport == "phone"
    context = browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone,
                                  device_scale_factor=1, **extra)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    # The sample store's product images live on its own (offline, unresolvable) host: not an error of the widget.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "ERR_NAME_NOT_RESOLVED" not in message.text else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_serious_accessibility_violations(page, state: str) -> None:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci --prefix tests/browser` (.ci/run does)"
    if not page.evaluate("() => !!window.axe"):  # evaluated over the DevTools protocol: the page's CSP still holds
        page.evaluate(AXE.read_text() + "\n;undefined")
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, { resultTypes: ["violations"] });
        return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
            .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary) }));
    }""")
    assert violations == [], f"{state}: {violations}"


def ask(page, question: str):
    """Type into the widget, press Enter, and return the finished answer."""
    answers = page.locator("article.msg.bot[data-done='true']")
    before = answers.count()
    box = page.locator("textarea.input")
    box.fill(question)
    box.press("Enter")
    answers.nth(before).wait_for()
    return answers.nth(before)


def newest_message_is_visible(page) -> None:
    """The newest message's top is inside the conversation's visible area and the window (not under the input)."""
    geometry = page.evaluate("""() => {
        const root = document.querySelector('.shopassist').shadowRoot;
        const log = root.querySelector('.log').getBoundingClientRect();
        const messages = root.querySelectorAll('.log > .msg');
        const newest = messages[messages.length - 1].getBoundingClientRect();
        const composer = root.querySelector('.composer').getBoundingClientRect();
        return { log: [log.top, log.bottom], newest: [newest.top, newest.bottom], composerTop: composer.top,
                 height: window.innerHeight };
    }""")
    top, bottom = geometry["newest"]
    assert geometry["log"][0] - 1 <= top < min(geometry["log"][1], geometry["composerTop"]), geometry
    assert 0 <= top < geometry["height"], geometry
    assert bottom > top


def citation_titles_are_human(answer) -> list[str]:
    titles = answer.locator("ol.sources summary").all_inner_texts()
    for title in titles:
        assert title.strip() and not FILE_PATH.search(title), f"citation title looks like a file path: {title!r}"
    return titles


SHOPPING_REQUEST = "recommend some binoculars"  # the sample store's optics have images and a sale


def products_served(api: str) -> list[dict]:
    """The cards the API returns for the shopping request, to check the widget shows each one's image."""
    return httpx.post(f"{api}/v1/chat", json={"message": SHOPPING_REQUEST}, timeout=60).json()["products"]


def wait_for_admin_ticket(api: str, reference: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        tickets = httpx.get(f"{api}/v1/admin/handoffs", headers=ADMIN, timeout=10).json()
        found = [t for t in tickets if t["reference"] == reference]
        if found and found[0]["delivery"] == "delivered":
            return found[0]
        assert time.monotonic() < deadline, f"{reference} not delivered: {found}"
        time.sleep(0.1)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_embedded_widget_answers_in_both_languages_hands_off_and_survives_a_reload(
        viewport, assistant, store_page, helpdesk, browser, sample_settings, serving):
    server, settings = assistant
    _, store_url = store_page
    page, errors = new_page(browser, viewport)
    page.goto(store_url)

    launcher = page.get_by_role("button", name="Chat with us")
    launcher.wait_for()
    assert launcher.evaluate("b => getComputedStyle(b).fontFamily").startswith("system-ui")  # the store's CSS stays out
    shoot(page, f"{viewport}-1-launcher")
    launcher.focus()
    page.keyboard.press("Enter")  # keyboard operable: the panel opens and the input has the focus
    page.get_by_text("Welcome to Trailhead Outfitters! How can we help?").wait_for()
    assert page.evaluate("() => document.querySelector('.shopassist').shadowRoot.activeElement.className") == "input"
    assert page.locator("button.suggestion").count() == 3
    shoot(page, f"{viewport}-2-greeting")
    no_serious_accessibility_violations(page, f"{viewport} greeting")

    english = ask(page, "How long do I have to return an item?")
    assert "30 days" in english.inner_text() and english.get_attribute("lang") == "en"
    citation_titles_are_human(english)
    english.locator("a.cite").first.click()  # [1] opens its source
    assert english.locator("ol.sources details").first.get_attribute("open") is not None
    newest_message_is_visible(page)
    shoot(page, f"{viewport}-3-english")

    chinese = ask(page, "可以寄到中国吗？")
    assert "中国" in chinese.inner_text() and chinese.get_attribute("lang") == "zh"
    assert page.locator("button.send").inner_text() == "发送"  # the UI follows the shopper's language
    assert re.search(r"[\u4e00-\u9fff]", " ".join(citation_titles_are_human(chinese)))  # 常见问题 — 可以寄到中国吗？
    newest_message_is_visible(page)
    shoot(page, f"{viewport}-4-chinese")

    page.get_by_role("button", name="Switch to English").click()
    shopping = ask(page, SHOPPING_REQUEST)
    cards = shopping.locator("li.card")
    served = products_served(server.url)
    assert cards.count() == len(served) >= 1 and any(p["image_url"] for p in served) and any(p["url"] for p in served)
    for card, product in zip((cards.nth(i) for i in range(cards.count())), served):
        if product["url"]:  # a Shopify export gives a link only with `store_url` set
            link = card.get_by_role("link", name=re.compile("View product"))
            assert link.get_attribute("href") == product["url"] and link.get_attribute("rel") == "noopener noreferrer"
        assert re.match(r"[$€£¥]|[A-Z]{2}\$", card.locator(".price strong").inner_text())
        if product["image_url"]:
            assert card.locator("img").get_attribute("src") == product["image_url"]
            assert card.locator("img").get_attribute("alt")
    citation_titles_are_human(shopping)
    newest_message_is_visible(page)
    first_card = cards.first.bounding_box()
    assert first_card["y"] < VIEWPORTS[viewport]["height"]  # the cards are not hidden under the input box
    shoot(page, f"{viewport}-5-shopping")
    no_serious_accessibility_violations(page, f"{viewport} answers")

    english.locator("button[data-rating='up']").click()  # feedback on an older answer
    english.get_by_text("Thanks for your feedback.").wait_for()

    if viewport == "desktop":  # the shopper asks for a person from the header, by email
        page.locator("button.tool.person").click()
        page.get_by_label("How should we reach you?").select_option("email")
        page.get_by_label("Your email address").fill("sam@example.com")
        shoot(page, f"{viewport}-6-handoff-form")
        no_serious_accessibility_violations(page, f"{viewport} handoff form")
        page.get_by_role("button", name="Ask for a person").click()
        origin, reason = "shopper", "shopper_request"
    else:  # the assistant hands off by intent
        ask(page, "我的订单到哪了？")
        origin, reason = "intent", "own_order"
    receipt = page.locator(".receipt").last
    receipt.wait_for()
    assert page.evaluate("() => document.querySelector('.shopassist').shadowRoot.activeElement.className") == "input"
    reference = receipt.get_attribute("data-reference")
    assert re.fullmatch(r"HO-[A-Z0-9]{8}", reference) and reference in receipt.inner_text()
    page.locator("button.tool.person").click()  # asking again shows the open ticket instead of a second one
    page.locator(f".receipt[data-reference='{reference}']").nth(1).wait_for()
    assert page.locator(".handoff-form").count() == 0
    newest_message_is_visible(page)
    shoot(page, f"{viewport}-7-handoff")

    delivery = helpdesk.delivery_of(reference)
    assert delivery.signature_valid
    assert (delivery.body["ticket"]["origin"], delivery.body["ticket"]["reason"]) == (origin, reason)
    assert [turn["question"] for turn in delivery.body["ticket"]["transcript"]][:3] == [
        "How long do I have to return an item?", "可以寄到中国吗？", SHOPPING_REQUEST]
    ticket = wait_for_admin_ticket(server.url, reference)
    if viewport == "desktop":
        assert ticket["contact"] == {"method": "email", "address": "sam@example.com"}
    httpx.post(f"{server.url}/v1/admin/handoffs/{reference}/claim", headers=ADMIN, json={"agent": "Ana"}, timeout=10)

    page.reload()  # the conversation, its sources and the ticket's current status come back
    restored = page.locator("article.msg.bot[data-done='true']")
    restored.nth(2).wait_for()
    assert "30 days" in restored.first.inner_text()
    assert restored.nth(2).locator("li.card").count() == cards.count()
    page.locator(f".receipt[data-reference='{reference}'][data-status='claimed']").wait_for()
    newest_message_is_visible(page)
    shoot(page, f"{viewport}-8-reloaded")
    restored.nth(1).locator("button[data-rating='down']").click()  # feedback still works after the reload
    restored.nth(1).get_by_text(re.compile("Thanks for your feedback|感谢您的反馈")).wait_for()

    page.emulate_media(color_scheme="dark")
    shoot(page, f"{viewport}-9-dark")
    no_serious_accessibility_violations(page, f"{viewport} dark mode")

    page.keyboard.press("Escape")  # closes the panel and returns the focus to the launcher
    assert page.get_by_role("button", name=re.compile("Chat with us|在线咨询")).is_visible()
    assert errors == [], errors

    with TestClient(create_app(settings, serving)) as restarted:  # the ticket is still there after a restart
        listed = restarted.get("/v1/admin/handoffs", headers=ADMIN).json()
        assert reference in [t["reference"] for t in listed]
    rows = sqlite3.connect(settings.data_dir / "sessions.sqlite").execute(
        "SELECT question, rating FROM feedback WHERE rating = 'up'").fetchall()
    assert ("How long do I have to return an item?", "up") in rows


def test_full_page_chat_at_root_runs_the_same_widget_under_a_strict_policy(assistant, browser):
    server, _ = assistant
    page, errors = new_page(browser, "phone")
    response = page.goto(server.url)
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert httpx.get(f"{server.url}/favicon.svg").headers["content-type"].startswith("image/svg+xml")
    page.locator("button.suggestion").first.wait_for()
    answer = ask(page, "Is shipping free?")
    assert "$75" in answer.inner_text()
    newest_message_is_visible(page)
    shoot(page, "page-phone")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    no_serious_accessibility_violations(page, "full page")


def test_rate_limit_lost_session_and_a_broken_connection(assistant, browser):
    server, settings = assistant
    page, _ = new_page(browser, "desktop")
    page.goto(server.url)
    first = ask(page, "Is shipping free?")
    assert "$75" in first.inner_text()

    limited = []

    def too_many_once(route):
        if not limited:
            limited.append(route.request.url)
            return route.fulfill(status=429, headers={"Retry-After": "1", "content-type": "application/json"},
                                 body='{"error": {"type": "rate_limited", "message": "too many requests; please slow down"}}')
        return route.continue_()

    page.route("**/v1/chat/stream", too_many_once)
    retried = ask(page, "How much does express shipping cost?")  # waited Retry-After, then tried once more
    assert limited and "$24.95" in retried.inner_text()
    assert "too many requests" not in page.locator(".log").inner_text()
    page.unroute("**/v1/chat/stream")

    session = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('shopassist'))[1]")
    with sqlite3.connect(settings.data_dir / "sessions.sqlite") as db:  # the session expires on the server
        db.execute("DELETE FROM sessions WHERE id = json_extract(?, '$.session_id')", (session,))
    renewed = ask(page, "Do you ship to Canada?")
    assert page.get_by_text("Your previous conversation had expired").is_visible()
    assert renewed.get_attribute("data-answer-id")
    assert page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('shopassist'))[1]") != session

    page.route("**/v1/chat/stream", lambda route: route.abort())
    box = page.locator("textarea.input")
    box.fill("Do you price match?")
    box.press("Enter")
    page.get_by_text("The connection was interrupted").wait_for()
    assert box.input_value() == "Do you price match?"  # the typed question is kept, to be sent again
    assert page.locator(".msg.user", has_text="Do you price match?").count() == 0
    shoot(page, "errors-desktop")


def test_cards_show_image_sale_price_and_variants_when_the_catalog_gives_them(assistant, browser):
    """The card fields the catalog work adds (image_url, original_price, variants) rendered from an answer shaped
    like the API's; the live API is checked for them in the test above once it serves them."""
    server, _ = assistant
    page, errors = new_page(browser, "phone")
    page.goto(server.url)
    card = {"sku": "JK-1022", "title": "Drizzle Lite Jacket", "price": 49.0, "original_price": 59.0, "currency": "USD",
            "availability": "in stock", "url": "https://trailhead-outfitters.example/products/drizzle-lite-jacket",
            "image_url": f"{server.url}/favicon.svg", "reason": "It is waterproof (5,000 mm) and within your $100 limit.",
            "citation_chunk_id": "product:JK-1022",
            "variants": [{"name": "Blue / M", "sku": "JK-1022-BLU-M", "price": 49.0, "availability": "in stock"},
                         {"name": "Blue / L", "sku": "JK-1022-BLU-L", "price": 49.0, "availability": "out of stock"}]}
    answer = {"text": "**Drizzle Lite Jacket** is on sale: [1]\n- waterproof to 5,000 mm\n- packs into its pocket",
              "citations": [{"number": 1, "chunk_id": "product:JK-1022", "source": "catalog/products.jsonl",
                             "title": "Drizzle Lite Jacket", "section": "", "snippet": "Waterproof rating: 5,000 mm",
                             "score": 0.9}],
              "products": [card], "language": "en", "outcome": "answered", "answer_id": "crafted-answer",
              "session_id": "crafted-session"}
    page.route("**/v1/chat/stream", lambda route: route.fulfill(
        status=200, headers={"content-type": "text/event-stream"},
        body=f"event: sentence\ndata: {{\"text\": \"Drizzle Lite Jacket is on sale.\"}}\n\n"
             f"event: answer\ndata: {json.dumps(answer)}\n\n"))
    shown = ask(page, "Show me a waterproof jacket on sale")
    assert shown.locator(".text strong").inner_text() == "Drizzle Lite Jacket"
    assert shown.locator(".text ul li").count() == 2
    product = shown.locator("li.card")
    assert product.locator("img").get_attribute("alt") == "Drizzle Lite Jacket"
    page.wait_for_function("""() => document.querySelector('.shopassist').shadowRoot
        .querySelector('li.card img').naturalWidth > 0""")
    assert product.locator(".sale-price").inner_text() == "$49.00" and product.locator("del").inner_text().endswith("$59.00")
    assert product.locator(".badge").inner_text() == "Sale"
    assert product.locator(".variants li.in").inner_text() == "Blue / M: in stock"
    assert product.locator(".variants li.out").inner_text() == "Blue / L: out of stock"
    assert product.get_by_role("link", name=re.compile("View product")).get_attribute("href") == card["url"]
    shoot(page, "cards-phone")
    assert errors == [], errors  # before axe, whose own inline style the page's CSP blocks
    no_serious_accessibility_violations(page, "cards")


def test_only_allowed_origins_may_call_the_api_and_they_can_read_retry_after(sample_settings, serving, tmp_path):
    store = "https://shop.example"
    settings = Settings(**{**sample_settings.model_dump(), "data_dir": tmp_path, "allowed_origins": [store],
                           "rate_limit_per_minute": 1, "rate_limit_burst": 1, "reload_interval_seconds": 0})
    with TestClient(create_app(settings, serving)) as client:
        preflight = client.options("/v1/chat/stream", headers={
            "Origin": store, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-session-token"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == store
        other = client.options("/v1/chat/stream", headers={"Origin": "https://elsewhere.example",
                                                           "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in other.headers
        client.get("/v1/widget/config", headers={"Origin": store})
        limited = client.get("/v1/widget/config", headers={"Origin": store})
        assert limited.status_code == 429 and limited.headers["access-control-allow-origin"] == store
        assert "retry-after" in limited.headers["access-control-expose-headers"].lower()
        assert int(limited.headers["retry-after"]) >= 1
