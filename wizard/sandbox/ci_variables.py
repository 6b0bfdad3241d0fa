"""The predefined CI/CD variables GitLab gives a pipeline when it creates it (what ``rules:if`` can see)."""

from __future__ import annotations

import re


def _slug(ref: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "-", ref.lower())[:63]
    return slug.strip("-")


def pipeline_variables(*, ref: str, sha: str, default_branch: str, is_tag: bool = False) -> dict[str, str]:
    """The predefined variables known when GitLab creates a pipeline (what ``rules:if`` can see)."""
    out = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_REF_NAME": ref,
        "CI_COMMIT_REF_SLUG": _slug(ref),
        "CI_COMMIT_SHA": sha,
        "CI_COMMIT_SHORT_SHA": sha[:8],
        "CI_DEFAULT_BRANCH": default_branch,
    }
    out["CI_COMMIT_TAG" if is_tag else "CI_COMMIT_BRANCH"] = ref
    return out
