"""Property tests: merging dockwright's part into a user's file never drops a key, job or comment of theirs."""

from __future__ import annotations

import dataclasses

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from dockwright.wizard.checks import check_pipeline
from dockwright.wizard.plan import EXECUTORS, Plan, replace_in
from dockwright.wizard.render import render_dockerignore, render_pipeline, render_runner_entry
from dockwright.wizard.render.pipeline import _DEPLOYS, BUILD_JOB, RELEASE_JOB

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: n not in ("stages", "include", "variables", "default", "workflow", "image", "services", "cache",
                        "before_script", "after_script", "spec", "true", "false", "yes", "no", "on", "off",
                        "null", "y", "n"))
words = st.from_regex(r"[A-Za-z][A-Za-z0-9 ,.()-]{0,30}", fullmatch=True).map(str.strip)
commands = st.from_regex(r"[a-z][a-z0-9 ./_-]{0,20}", fullmatch=True).map(str.strip).filter(bool)


@st.composite
def user_pipelines(draw):
    """A hand-written .gitlab-ci.yml as text, with comments, maybe stages, include, an anchor and jobs."""
    stages = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    declare = draw(st.booleans())
    if not declare:
        stages = ["build", "test", "deploy"]
    jobs = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    comments = draw(st.lists(words.filter(bool), min_size=len(jobs) + 1, max_size=len(jobs) + 1))
    lines = [f"# {comments[0]}"]
    if draw(st.booleans()):
        lines += ["include:", "  - local: ci/extra.yml", ""]
    if declare:
        if draw(st.booleans()):
            lines += ["stages:"] + [f"  - {s}" for s in stages] + [""]
        else:
            lines += ["stages: [" + ", ".join(stages) + "]", ""]
    use_anchor = draw(st.booleans())
    if use_anchor:
        lines += [".base: &base", "  image: python:3.13-slim", ""]
    for job, comment in zip(jobs, comments[1:], strict=False):
        lines.append(f"# {comment}")
        lines.append(f"{job}:")
        if use_anchor:
            lines.append("  <<: *base")
        lines.append(f"  stage: {draw(st.sampled_from(stages))}")
        lines.append("  script:")
        lines += [f"    - {c}" for c in draw(st.lists(commands, min_size=1, max_size=3))]
        lines.append("")
    return "\n".join(lines) + "\n", jobs, comments


plans = st.builds(
    lambda executor, tags, latest: replace_in(
        replace_in(dataclasses.replace(Plan(), executor=executor), "runner", tags=tuple(tags)),
        "pipeline", latest_on_default_branch=latest),
    st.sampled_from(EXECUTORS), st.lists(names, min_size=1, max_size=2, unique=True), st.booleans(),
)


def _load(text: str):
    return YAML(typ="safe").load(text)


@FAST
@given(user_pipelines(), plans)
def test_pipeline_merge_keeps_everything_of_the_users(case, plan) -> None:
    text, jobs, comments = case
    merged = render_pipeline(plan, text)
    before, after = _load(text), _load(merged)
    for key, value in before.items():
        if key == "stages":  # the user's stages keep their order; dockwright's build stage comes before a deploy
            assert [s for s in after["stages"] if s in value] == value
            if plan.pipeline.stages[0] not in value:
                build = after["stages"].index(plan.pipeline.stages[0])
                assert all(i > build for i, s in enumerate(after["stages"]) if s in value and _DEPLOYS.search(s))
        else:
            assert after[key] == value
    user_keys = [k for k in after if k in before]
    assert user_keys == list(before)
    for comment in comments:
        assert f"# {comment}" in merged
    assert BUILD_JOB in after and (RELEASE_JOB in after) is plan.pipeline.latest_on_default_branch
    for job in jobs + [BUILD_JOB]:
        stage = after[job].get("stage", "test")
        assert stage in after.get("stages", ["build", "test", "deploy"])
    assert [f for f in check_pipeline(merged) if f.level == "error"] == []
    # a second run changes nothing and never duplicates dockwright's jobs
    assert render_pipeline(plan, merged) == merged
    assert merged.count(f"\n{BUILD_JOB}:") == 1


@FAST
@given(plans, plans)
def test_pipeline_rerun_with_a_changed_plan_replaces_dockwrights_jobs(first, second) -> None:
    text = "# mine\ntest:\n  script: [pytest]\n"
    merged = _load(render_pipeline(second, render_pipeline(first, text)))
    direct = _load(render_pipeline(second, text))
    # a stage added by the first run stays (the user's file may use it by now); the rest is as if run once
    defaults = ["build", "test", "deploy"]
    assert set(direct.pop("stages", defaults)) <= set(merged.pop("stages", defaults))
    assert merged == direct


runner_names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)


@st.composite
def user_configs(draw):
    names_ = draw(st.lists(runner_names, min_size=0, max_size=3, unique=True))
    comments = draw(st.lists(words.filter(bool), min_size=len(names_) + 1, max_size=len(names_) + 1))
    lines = [f"# {comments[0]}", f"concurrent = {draw(st.integers(1, 8))}", "check_interval = 0", ""]
    for name, comment in zip(names_, comments[1:], strict=False):
        lines += ["[[runners]]", f"  # {comment}", f'  name = "{name}"', '  url = "https://gitlab.example.com"',
                  f'  token = "glrt-{name}-secret"', f'  executor = "{draw(st.sampled_from(["shell", "docker"]))}"',
                  f"  limit = {draw(st.integers(0, 4))}", ""]
    return "\n".join(lines), names_, comments


@FAST
@given(user_configs(), st.sampled_from([e for e in EXECUTORS if e != "hosted"]))
def test_runner_merge_keeps_other_runners_and_comments(case, executor) -> None:
    text, names_, comments = case
    plan = dataclasses.replace(Plan(), executor=executor)
    merged = render_runner_entry(plan, text, url="https://gitlab.example.com", token="glrt-new", runner_id=7)
    before, after = tomlkit.parse(text).unwrap(), tomlkit.parse(merged).unwrap()
    for key in before:
        if key != "runners":
            assert after[key] == before[key]
    others = [r for r in after["runners"] if r["name"] != plan.runner.description]
    assert others == before.get("runners", [])
    assert [r["name"] for r in after["runners"]] == names_ + [plan.runner.description]
    for comment in comments:
        assert f"# {comment}" in merged
    assert render_runner_entry(plan, merged, url="https://gitlab.example.com", runner_id=7) == merged


@FAST
@given(st.lists(st.from_regex(r"!?[A-Za-z0-9_.*/-]{1,15}", fullmatch=True), max_size=8))
def test_dockerignore_merge_keeps_every_line(lines) -> None:
    text = "\n".join(["# mine", *lines]) + "\n"
    merged = render_dockerignore(Plan(), text)
    assert merged.startswith(text)
    assert render_dockerignore(Plan(), merged) == merged


@FAST
@given(plans, st.lists(names, min_size=1, max_size=3, unique=True))
def test_jobs_the_user_adds_after_dockwrights_block_stay_after_it(plan, extra) -> None:
    first = render_pipeline(plan, "# mine\ntest:\n  script: [pytest]\n")
    added = first + "".join(f"\n# later {job}\n{job}-x:\n  script: [echo {job}]\n" for job in extra)
    merged = render_pipeline(plan, added)
    data = _load(merged)
    assert all(data[f"{job}-x"] == {"script": [f"echo {job}"]} for job in extra)
    assert all(f"# later {job}" in merged for job in extra)
    assert merged.index("# <<< dockwright jobs") < merged.index(f"{extra[0]}-x:")
    assert render_pipeline(plan, merged) == merged
