"""`pytest scenarios/` runs the demo scenarios against the bundled demo site unless --base-url is given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.server import SiteServer, demo_site_root


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> Iterator[str]:
    given = pytestconfig.getoption("base_url", default=None) or pytestconfig.getini("base_url")
    if given:
        yield str(given)
        return
    with SiteServer(demo_site_root()) as site:
        yield site.url
