"""pipeline.build_cache (issue 17, "go further"): BuildKit's cache in the registry, for every build method.

Golden files for each method, the CI schema on each, and the sandbox's runner playing the cached build."""

from __future__ import annotations

import pytest

from dockwright.wizard.checks import check_pipeline
from dockwright.wizard.plan import EXECUTORS, Plan, check_plan, replace_in
from dockwright.wizard.render import render_pipeline
from dockwright.wizard.render.pipeline import BUILD_JOB, RELEASE_JOB
from tests.unit.test_generated_jobs_play import (
    OTHER,
    OTHER_VARS,
    SHELL_RUNNER,
    SOCKET_RUNNER,
    jobs,
    play,
    predefined,
    registry,
)
from tests.unit.test_render_golden import assert_golden, load_yaml, plan_for

CASES = [(e, "gitlab") for e in EXECUTORS] + [("docker-dind-tls", "ecr"), ("docker-buildah", "ecr"),
                                              ("docker-buildah", "dockerhub"), ("docker-buildkit-rootless", "dockerhub"),
                                              ("shell", "dockerhub")]


def cached(executor: str, registry_kind: str) -> Plan:
    return replace_in(plan_for(executor, registry_kind), "pipeline", build_cache=True)


@pytest.mark.parametrize(("executor", "registry_kind"), CASES)
def test_build_cache_golden(executor: str, registry_kind: str) -> None:
    plan = cached(executor, registry_kind)
    assert check_plan(plan) == []
    text = render_pipeline(plan)
    assert_golden(f"pipeline/cache-{executor}-{registry_kind}.gitlab-ci.yml", text)
    assert check_pipeline(text) == []
    build = load_yaml(text)[BUILD_JOB]
    script = " ".join(build["script"])
    if plan.build_method == "buildah":
        assert "--layers --cache-from" in script and "--cache-to" in script and ":buildcache" not in script
    elif plan.build_method == "buildkit-rootless":
        assert "--import-cache" in script and "--export-cache" in script
    else:  # GitLab's docker-container builder: the default docker driver has no registry cache from Docker 27.0.1
        assert build["script"][0].startswith("docker buildx create --use --driver docker-container")
        assert '--cache-from "type=registry,ref=$DOCKWRIGHT_IMAGE:buildcache"' in script
        assert ",mode=max" in script and "--push" in script
    assert ("image-manifest=true,oci-mediatypes=true" in script) == (registry_kind == "ecr" and plan.build_method != "buildah")
    after = build.get("after_script", [])
    assert any(line.startswith("docker buildx rm") for line in after) == (plan.build_method in ("socket", "host"))
    assert "buildcache" not in str(load_yaml(text).get(RELEASE_JOB, ""))  # latest is a retag: nothing to cache


def test_the_cache_is_off_by_default_and_changes_nothing_then() -> None:
    assert Plan().pipeline.build_cache is False
    assert "buildcache" not in render_pipeline(Plan()) and "buildx create" not in render_pipeline(Plan())


@pytest.mark.parametrize(("executor", "runner"), [("docker-dind-tls", None), ("docker-socket", SOCKET_RUNNER),
                                                  ("shell", SHELL_RUNNER)])
def test_the_sandbox_plays_the_cached_build_and_pushes_both_tags(executor: str, runner) -> None:
    plan = replace_in(Plan(executor=executor), "pipeline", build_cache=True)
    _, found = jobs(render_pipeline(plan))
    reg = registry()
    log, result = play(found[BUILD_JOB], reg, runner=runner)
    assert result.status == "success", log
    assert reg.has("demo/app", predefined()["CI_COMMIT_SHA"]) and reg.has("demo/app", "main")


def test_without_credentials_the_cached_build_reads_the_cache_and_pushes_nothing() -> None:
    plan = replace_in(Plan(registry=OTHER), "pipeline", build_cache=True)
    _, found = jobs(render_pipeline(plan), "feature/x")
    reg = registry()
    log, result = play(found[BUILD_JOB], reg, variables=predefined("feature/x"))
    assert result.status == "success", log
    assert "naming to 127.0.0.1:5050/demo/app:" in log and reg.tags == {}
    assert sum(line.startswith("Not pushing (dockwright)") for line in log.splitlines()) == 1
    log, result = play(found[BUILD_JOB], reg, variables={**predefined("feature/x"), **OTHER_VARS})
    assert result.status == "success", log
    assert reg.has("demo/app", "feature-x")
