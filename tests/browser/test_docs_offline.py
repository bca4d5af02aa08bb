"""/docs (Swagger UI) and /redoc render from files this node serves: nothing is fetched from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Demo


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_api_docs_render_offline(page: Any, demo: Demo, path: str, rendered: str) -> None:
    outside: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(demo.base) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{demo.base}{path}")
    page.wait_for_selector(rendered, timeout=20_000)
    assert "reports" in page.inner_text("body").lower()
    assert outside == [], f"{path} reached outside this node: {outside}"
