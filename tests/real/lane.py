"""The real lane's one rule about missing tools: fail under CI=true, skip with one line elsewhere."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
APT = "apt-get install buildah skopeo docker-registry mmdebstrap"


def missing(reason: str) -> None:
    """Fail under CI (the lane must run there), skip with one line elsewhere."""
    if IN_CI:
        pytest.fail(f"real lane: {reason}", pytrace=False)
    pytest.skip(f"real lane: {reason}")
