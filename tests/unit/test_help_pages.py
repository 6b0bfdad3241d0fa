"""The teaching pages, the step list that points at them, and their plain-text rendering."""

from __future__ import annotations

import dataclasses
import re

import pytest

from dockwright.assets import asset_text
from dockwright.wizard.help_text import help_page_text, markdown_to_plain
from dockwright.wizard.plan import Plan
from dockwright.wizard.steps import STEP_IDS, STEPS, next_step, previous_step, step, steps_for

SECTIONS = ("## What GitLab does with the answer", "## The trap", "## Read more")


@pytest.mark.parametrize("s", STEPS, ids=lambda s: s.id)
def test_every_step_has_a_page_with_concept_gitlab_trap_and_docs_link(s):
    page = asset_text(s.help_asset)
    assert page.startswith("# "), "a page starts with its title"
    for heading in SECTIONS:
        assert any(line.startswith(heading) for line in page.splitlines()), f"{s.help_page}.md lacks {heading!r}"
    read_more = page.split("## Read more", 1)[1]
    assert re.search(r"https://docs\.gitlab\.com/[a-z_/]+/", read_more), "links GitLab's docs"
    assert len(page.splitlines()) < 70, "short and concrete"
    assert s.why.endswith(".") and len(s.why) <= 120, "the why is one line"


def test_pages_teach_the_seed_tutorials_known_errors():
    pages = {s.help_page: asset_text(s.help_asset) for s in STEPS}
    assert "CI_REGISTRY_PASSWORD" in pages["registry"] and "shadows" in pages["registry"]
    assert "own" in pages["pipeline"] and "An image does not exist locally with the tag" in pages["pipeline"]
    assert "--registration-token" in pages["runner"] and "glrt-" in pages["runner"]
    assert "tcp://docker:2376" in pages["executor"] and 'DOCKER_TLS_CERTDIR: "/certs"' in pages["executor"]
    assert "python:3.9-slim" in pages["dockerfile"]
    assert "osxkeychain" in pages["registry"]
    assert "CI_COMMIT_REF_SLUG" in pages["pipeline"]
    assert "Cannot connect to the Docker daemon at tcp://docker:2375" in pages["watch"]
    assert "mount: permission denied (are you root?)" in pages["watch"]


def test_step_order_is_the_wizards_and_the_runner_step_disappears_for_hosted_runners():
    assert STEP_IDS == ("connect", "project", "executor", "runner", "registry", "dockerfile", "pipeline",
                        "review", "apply", "watch")
    hosted = dataclasses.replace(Plan(), executor="hosted")
    assert "runner" in [s.id for s in steps_for(Plan())]
    assert "runner" not in [s.id for s in steps_for(hosted)]
    assert next_step(hosted, "executor").id == "registry"
    assert previous_step(hosted, "registry").id == "executor"
    assert next_step(Plan(), "executor").id == "runner"
    assert next_step(Plan(), "watch") is None and previous_step(Plan(), "connect") is None
    with pytest.raises(KeyError, match="known steps: connect"):
        step("nope")


@pytest.mark.parametrize("page", [s.help_page for s in STEPS])
def test_plain_text_has_no_markdown_decoration_and_keeps_words_and_links(page):
    text = help_page_text(page, width=80)
    assert "**" not in text and "`" not in text and "```" not in text
    assert not re.search(r"^#", text, re.M)
    assert "https://docs.gitlab.com/" in text
    for line in text.splitlines():
        if not line.startswith("    ") and "https://" not in line:
            assert len(line) <= 80, line


def test_markdown_to_plain_handles_headings_lists_code_links_and_tables():
    md = (
        "# Title\n\nSome **bold** and `code` and *stress* with a [link](https://x.example/a).\n"
        "continued line.\n\n## Part\n\n- one\n  two\n1. first\n\n```yaml\nkey: value\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 22 |\n"
    )
    text = markdown_to_plain(md, width=60)
    assert text.splitlines()[:2] == ["TITLE", "====="]
    assert "Some bold and code and stress with a link (https://x.example/a). continued line." in " ".join(text.split())
    assert "Part\n----" in text
    assert "- one two" in text and "1. first" in text
    assert "    key: value" in text
    assert "a  b\n-  --\n1  22" in text
