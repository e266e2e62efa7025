"""What screenshots keep of what people type: text fields blurred with --redact, passwords always masked."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image, ImageStat

from tests.conftest import Crawl, crawl_scenarios
from tests.hostile.conftest import SHARED, HostileSite, SharedCrawl

# Where fields.html draws its fields (CSS px, which are screenshot px at the default device scale factor).
TEXT_FIELD = (20, 20, 380, 80)
PASSWORD_FIELD = (20, 120, 380, 180)


def field(crawl: Crawl, box: tuple[int, int, int, int], mode: str) -> Image.Image:
    step: dict[str, Any] = crawl.scenario("q-fields")["steps"][0]
    with Image.open(crawl.db.parent / step["screenshot"]) as image:
        return image.convert(mode).crop(box)


def dark_pixels(image: Image.Image) -> int:
    return sum(image.histogram()[:64])


@pytest.fixture(scope="module")
def redacted(hostile_site: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    root = tmp_path_factory.mktemp("redacted")
    crawl = crawl_scenarios(root, {"q-fields": SHARED["q-fields"]}, hostile_site.url, "--redact")
    assert crawl.doc is not None, crawl.stderr
    return crawl


def test_redact_blurs_what_was_typed_in_text_fields(shared_crawl: SharedCrawl, redacted: Crawl) -> None:
    plain = field(shared_crawl.crawl, TEXT_FIELD, "L")
    blurred = field(redacted, TEXT_FIELD, "L")
    # Sharp black glyphs without --redact; with it the same field holds only greys.
    assert dark_pixels(plain) > 500
    assert dark_pixels(blurred) < dark_pixels(plain) / 10


def test_password_fields_are_always_masked(shared_crawl: SharedCrawl, redacted: Crawl) -> None:
    for crawl in (shared_crawl.crawl, redacted):
        red, green, blue = ImageStat.Stat(field(crawl, PASSWORD_FIELD, "RGB")).mean
        assert red > 230 and green < 30 and blue > 230, "Playwright's mask colour, #FF00FF, covers the field"
