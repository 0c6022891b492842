"""The playground in a real browser: Debian's Chromium, driven by Playwright, against the real
launcher, the real bot and the shipped model.

A newcomer's first minutes: open the page, send a photo of a digit, read the answer and its
chart, correct it with the keypad, ask for /stats, try the admin user.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, ViewportSize, expect, sync_playwright

from bot import stats_chart
from recognizer import chart
from tests.botharness import digit_photo, first_of_each_digit
from tests.playgroundharness import PlaygroundProcess
from tests.test_numbers import number_page

CHROMIUM_PACKAGES = ("chromium", "chromium-browser")
"""Debian's package and binary name, then Ubuntu's (which has no ``chromium`` deb); scripts/test
installs the first one apt offers."""
CHROMIUM = next(filter(None, map(shutil.which, CHROMIUM_PACKAGES)), None)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaygroundProcess]:
    with PlaygroundProcess(tmp_path_factory.mktemp("playground")) as running:
        yield running


PHONE: ViewportSize = {"width": 390, "height": 844}
"""A common phone's viewport in CSS pixels (iPhone 12-15, many Androids are 360-412 wide)."""


@pytest.fixture(params=[{"width": 900, "height": 1000}], ids=["desktop"])
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    size: ViewportSize = request.param
    return size


@pytest.fixture
def page(playground: PlaygroundProcess, viewport: ViewportSize) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.fail(
            "no chromium or chromium-browser on PATH: sudo apt-get install chromium "
            "(on Ubuntu: chromium-browser), or run scripts/test"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        page.set_default_timeout(WAIT_MS)
        page.goto(playground.url)
        yield page
        browser.close()


def test_a_photo_gets_the_digit_its_chart_and_the_keypad(
    page: Page, playground: PlaygroundProcess, mnist, tmp_path: Path
) -> None:
    index = first_of_each_digit(mnist.y_test)[7]
    photo = tmp_path / "seven.jpg"
    photo.write_bytes(digit_photo(mnist.x_test[index], "JPEG", side=600))

    # The module's playground keeps the chat of the tests before this one, and the page shows
    # it only once its first long poll answers: count after the page shows all of it.
    kept = page.request.get(f"{playground.url.rstrip('/')}/api/chats/user").json()["messages"]
    expect(page.locator("#chat .message")).to_have_count(len(kept))
    sent_photos = page.locator(".message.user img.photo")
    answers = page.locator(".message.bot").filter(has=page.locator(".keyboard"))
    photos_before, answers_before = sent_photos.count(), answers.count()
    page.set_input_files("#photo-input", str(photo))
    expect(page.locator("#attachment")).to_contain_text("seven.jpg")
    page.click("#send")

    expect(answers).to_have_count(answers_before + 1)
    expect(answers.last.locator(".text")).to_contain_text("7 (")
    answer = page.locator(f".message[data-id='{answers.last.get_attribute('data-id')}']")
    expect(answer.locator("img.photo")).to_have_js_property("complete", True)
    chart_width = answer.locator("img.photo").evaluate("image => image.naturalWidth")
    assert chart_width > 100, "the answer's chart image did not load"
    assert sent_photos.count() == photos_before + 1, "the sent photo is not shown"

    answer.get_by_role("button", name="Wrong").click()
    answer.get_by_role("button", name="1", exact=True).click()
    expect(answer.locator(".text")).to_contain_text("Saved as 1:")
    expect(answer.locator(".meta")).to_contain_text("edited")

    page.fill("#text", "/stats")
    page.press("#text", "Enter")
    expect(page.locator(".message.bot").last).to_contain_text("ccura")  # Accuracy / accuracy
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'playground.png'}")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"], indirect=True)
def test_charts_are_readable_at_phone_width(
    page: Page, playground: PlaygroundProcess, mnist, tmp_path: Path
) -> None:
    """On a phone the chat shows each picture in a bubble; measured in the real browser, every
    label of every picture is at least MIN_TEXT_PX CSS pixels there."""
    pictures = {
        "digit": digit_photo(mnist.x_test[0], "JPEG", side=600),
        "number": number_page([mnist.x_test[i] for i in (3, 2, 1, 18)]),
    }
    smallest = {"digit": chart.PERCENT_PX, "number": chart.NUMBER_PERCENT_PX}
    for name, photo in pictures.items():
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(photo)
        answers = page.locator(".message.bot").filter(has=page.locator(".keyboard"))
        before = answers.count()
        page.set_input_files("#photo-input", str(path))
        page.click("#send")
        expect(answers).to_have_count(before + 1)
        answer = answers.last
        expect(answer.locator("img.photo")).to_have_js_property("complete", True)
        shown, natural = answer.locator("img.photo").evaluate(
            "image => [image.getBoundingClientRect().width, image.naturalWidth]"
        )
        assert shown <= PHONE["width"], "the picture fits the phone's screen"
        assert smallest[name] * shown / natural >= chart.MIN_TEXT_PX, (name, shown, natural)
        answer.screenshot(path=str(tmp_path / f"phone-{name}.png"))
    page.fill("#text", "/stats")
    page.press("#text", "Enter")
    stats = page.locator(".message.bot").filter(has_text="Answers served").last
    expect(stats.locator("img.photo")).to_have_js_property("complete", True)
    shown, natural = stats.locator("img.photo").evaluate(
        "image => [image.getBoundingClientRect().width, image.naturalWidth]"
    )
    assert stats_chart.VALUE_PX * shown / natural >= chart.MIN_TEXT_PX
    stats.screenshot(path=str(tmp_path / "phone-stats.png"))
    print(f"screenshots: {tmp_path}/phone-*.png")


def test_the_page_guides_through_mistakes_and_switches_users(page: Page, tmp_path: Path) -> None:
    page.click("#send")
    expect(page.locator("#notice")).to_contain_text("Nothing to send")

    text_file: FilePayload = {
        "name": "notes.txt",
        "mimeType": "text/plain",
        "buffer": b"not a digit",
    }
    page.set_input_files("#file-input", files=[text_file])
    page.click("#send")
    expect(page.locator(".message.bot").last).to_contain_text("can't read that file")

    page.click("#menu-button")
    page.locator("#menu li", has_text="/help").click()
    expect(page.locator(".message.bot").last).to_contain_text("photo")

    page.click("#as-admin")
    expect(page.locator(".message")).to_have_count(0)
    page.fill("#text", "hello")
    page.press("#text", "Enter")
    expect(page.locator(".message.bot")).to_have_count(1)
    page.click("#as-user")
    expect(page.locator(".message.user").first).to_be_visible()
    page.click("#send")
    page.screenshot(path=str(tmp_path / "mistakes.png"))
