from __future__ import annotations

import pytest

from airwarn.extract.pipeline import Extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()
