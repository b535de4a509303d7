"""The shoppers' chat page, driven in headless Chromium through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
import uvicorn
from PIL import Image

from server.app import create_app

from .conftest import free_port, poll_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def live_server(sample_settings, serving, tmp_path_factory):
    data = tmp_path_factory.mktemp("web")
    settings = sample_settings.model_copy(update={"data_dir": data})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, serving), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    poll_until(lambda: server.started, 60, "the uvicorn server never started")
    yield f"http://127.0.0.1:{port}", data
    server.should_exit = True
    thread.join(timeout=30)


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


def ask(page, question: str):
    before = page.locator('.msg.bot[data-done="true"]').count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    done = page.locator('.msg.bot[data-done="true"]').nth(before)
    done.wait_for()
    return done


def test_ask_read_open_a_citation_and_send_feedback(live_server, browser, tmp_path):
    url, data = live_server
    page = browser.new_page()
    page.goto(url)
    answer = ask(page, "How long do I have to return an item?")
    assert "30 days" in answer.inner_text()
    citation = answer.locator("details.citation").first
    citation.locator("summary").click()
    assert citation.get_attribute("open") is not None and citation.locator("p").is_visible()
    answer.locator('[data-rating="up"]').click()
    page.wait_for_selector("text=Thanks for the feedback.")
    rows = sqlite3.connect(data / "sessions.sqlite").execute("SELECT rating, question FROM feedback").fetchall()
    assert rows == [("up", "How long do I have to return an item?")]
    # What a shopper sees: the answer drawn as text on its bubble, with the opened citation below the quote.
    shot = tmp_path / "answer.png"
    answer.screenshot(path=str(shot))
    box, quote = answer.bounding_box(), citation.locator("p").bounding_box()
    image = Image.open(shot).convert("L")
    assert abs(image.width - box["width"]) <= 2 and abs(image.height - box["height"]) <= 2  # pixels round
    assert 0.01 < ink_share(image) < 0.5, "the answer bubble is blank or one block of colour"
    top = int(quote["y"] - box["y"])
    assert ink_share(image.crop((0, top, image.width, top + int(quote["height"])))) > 0.01, "the citation is not drawn"


def ink_share(image) -> float:
    """The share of dark pixels (text) in a greyscale image."""
    histogram = image.histogram()
    return sum(histogram[:110]) / (image.width * image.height)


def test_chinese_on_a_phone_with_a_handoff(live_server, browser):
    url, _ = live_server
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    page.goto(url)
    answer = ask(page, "可以寄到中国吗？")
    assert "中国" in answer.inner_text() and answer.locator("details.citation").count() >= 1
    handoff = ask(page, "我的订单到哪了？")
    handoff.locator("button.talk").click()
    assert "人工客服" in handoff.inner_text()
    assert page.locator("main").bounding_box()["width"] <= 375
