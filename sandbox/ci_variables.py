"""The predefined CI/CD variables GitLab gives a pipeline when it creates it (what ``rules:if`` can see)
and a job when a runner plays it."""

from __future__ import annotations

import json
import re
from typing import Any

BUILDS_DIR = "/builds"


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


def job_predefined_variables(project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any], token: str, *,
                             url: str, registry_host: str, protected: bool) -> dict[str, str]:
    """The predefined variables one job run sees: the pipeline's, then the job's, project's and server's."""
    path = project["path_with_namespace"]
    predefined = pipeline_variables(ref=pipeline["ref"], sha=pipeline["sha"],
                                    default_branch=project["default_branch"], is_tag=bool(pipeline["tag"]))
    predefined.update({
        "CI_PIPELINE_SOURCE": pipeline["source"], "CI_PIPELINE_ID": str(pipeline["id"]),
        "CI_PIPELINE_IID": str(pipeline["iid"]), "CI_PIPELINE_URL": f"{url}/{path}/-/pipelines/{pipeline['id']}",
        "CI_JOB_ID": str(job["id"]), "CI_JOB_NAME": job["name"], "CI_JOB_STAGE": job["stage"],
        "CI_JOB_STARTED_AT": job.get("started_at") or "", "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX":
        f"{registry_host}/{path.rpartition('/')[0] or path}/dependency_proxy/containers",
        "CI_JOB_TOKEN": token, "CI_JOB_URL": f"{url}/{path}/-/jobs/{job['id']}",
        "CI_PROJECT_ID": str(project["id"]), "CI_PROJECT_PATH": path,
        "CI_PROJECT_NAME": path.rpartition("/")[2], "CI_PROJECT_NAMESPACE": path.rpartition("/")[0],
        "CI_PROJECT_DIR": f"{BUILDS_DIR}/{path}", "CI_PROJECT_URL": f"{url}/{path}",
        "CI_REPOSITORY_URL": f"{url.replace('://', '://gitlab-ci-token:[MASKED]@')}/{path}.git",
        "CI_REGISTRY": registry_host, "CI_REGISTRY_IMAGE": f"{registry_host}/{path}",
        "CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": token,
        "CI_SERVER_URL": url, "CI_SERVER_HOST": registry_host.rsplit(":", 1)[0],
        "CI_API_V4_URL": f"{url}/api/v4", "CI_COMMIT_REF_PROTECTED": "true" if protected else "false",
        "CI_BUILDS_DIR": BUILDS_DIR, "GITLAB_USER_LOGIN": "root",
        "CI_TEMPLATE_REGISTRY_HOST": "registry.gitlab.com",  # GitLab's templates pull their images from there
    })
    if project.get("container_registry_access_level") == "disabled":  # GitLab sets no CI_REGISTRY* then
        for key in ("CI_REGISTRY", "CI_REGISTRY_IMAGE", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"):
            del predefined[key]
    return predefined


def merge_request_variables(project: dict[str, Any], mr: dict[str, Any], *, url: str, repo_path: Any) -> dict[str, str]:
    """The ``CI_MERGE_REQUEST_*`` variables of a (detached) merge request pipeline, as
    doc/ci/variables/predefined_variables.md lists them for a merge request in the same project. The
    ``*_SHA`` of the source and target branches are set only in merged results pipelines, which the
    sandbox does not play: empty here, as on GitLab."""
    from dockwright.sandbox import repo as gitrepo

    path = project["path_with_namespace"]
    head = gitrepo.branch_sha(repo_path, mr["source_branch"]) or ""
    target = gitrepo.branch_sha(repo_path, mr["target_branch"]) or ""
    base = gitrepo.git(repo_path, "merge-base", target, head, check=False).decode().strip() if head and target else ""
    labels = ",".join(json.loads(mr.get("labels") or "[]"))
    out = {
        "CI_MERGE_REQUEST_ID": str(mr["id"]), "CI_MERGE_REQUEST_IID": str(mr["iid"]),
        "CI_MERGE_REQUEST_TITLE": mr["title"], "CI_MERGE_REQUEST_DESCRIPTION": mr.get("description") or "",
        "CI_MERGE_REQUEST_EVENT_TYPE": "detached",
        "CI_MERGE_REQUEST_REF_PATH": f"refs/merge-requests/{mr['iid']}/head",
        "CI_MERGE_REQUEST_PROJECT_ID": str(project["id"]), "CI_MERGE_REQUEST_PROJECT_PATH": path,
        "CI_MERGE_REQUEST_PROJECT_URL": f"{url}/{path}",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": str(project["id"]), "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": path,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_URL": f"{url}/{path}",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": mr["source_branch"], "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_PROTECTED": "true" if mr["source_branch"] == project["default_branch"] else "false",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": mr["target_branch"], "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "",
        "CI_MERGE_REQUEST_TARGET_BRANCH_PROTECTED": "true" if mr["target_branch"] == project["default_branch"] else "false",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_MERGE_REQUEST_DIFF_ID": str(mr["id"]),
        "CI_MERGE_REQUEST_DRAFT": "true" if mr["title"].lower().startswith(("draft:", "[draft]", "(draft)")) else "false",
        "CI_MERGE_REQUEST_APPROVED": "false",
    }
    if labels:
        out["CI_MERGE_REQUEST_LABELS"] = labels
    return out
