"""A project as GitLab's REST API shows it (``API::Entities::ProjectWithAccess``): every field
doc/api/projects.md documents for ``GET /projects`` and ``GET /projects/:id``, with the sandbox's values.

Features the sandbox has no notion of (issues, wikis, mirrors, Service Desk, compliance frameworks,
approvals...) keep the value a fresh project on GitLab.com has. ``owner`` is only given for a project in a
user's namespace (GitLab leaves it out for a group's project); ``statistics`` only with ``statistics=true``
and ``license``/``license_url`` only with ``license=true``, as on GitLab.
"""

from __future__ import annotations

import html
from typing import Any

from dockwright.sandbox import repo as gitrepo

ROOT_NAMESPACE_ID = 1  # root's own namespace
DEMO_GROUP_ID = 2  # the `demo` group of demo/app
AVATAR_ROUTE = "/uploads/-/system/project/avatar"


def namespace_json(sandbox, full_path: str) -> dict[str, Any]:
    """The namespace a project lives in: root's user namespace or a group (the sandbox has no others)."""
    store = sandbox.store
    user = store.one("SELECT * FROM users WHERE username = ?", (full_path,))
    if user is not None:
        return {"id": user["id"] if user["username"] != "root" else ROOT_NAMESPACE_ID, "name": user["name"],
                "path": full_path, "kind": "user", "full_path": full_path, "parent_id": None,
                "avatar_url": None, "web_url": f"{sandbox.url}/{full_path}"}
    parent = full_path.rpartition("/")[0]
    return {"id": DEMO_GROUP_ID if full_path == "demo" else group_id(full_path), "name": full_path.rpartition("/")[2],
            "path": full_path.rpartition("/")[2], "kind": "group", "full_path": full_path,
            "parent_id": (DEMO_GROUP_ID if parent == "demo" else group_id(parent)) if parent else None,
            "avatar_url": None, "web_url": f"{sandbox.url}/groups/{full_path}"}


def group_id(full_path: str) -> int:
    """A stable id for a group the sandbox only knows by its path (it has no groups of its own)."""
    return 1000 + sum(ord(c) * (i + 1) for i, c in enumerate(full_path)) % 100_000


def avatar_url(sandbox, project: dict[str, Any]) -> str | None:
    name = project.get("avatar")
    return f"{sandbox.url}{AVATAR_ROUTE}/{project['id']}/{name}" if name else None


def project_json(sandbox, project: dict[str, Any], *, statistics: bool = False,
                 license_info: bool = False) -> dict[str, Any]:
    path = project["path_with_namespace"]
    namespace_path, _, short = path.rpartition("/")
    namespace = namespace_json(sandbox, namespace_path)
    web = f"{sandbox.url}/{path}"
    api = f"{sandbox.url}/api/v4/projects/{project['id']}"
    branch = project["default_branch"]
    repo_path = sandbox.repo_path(project)
    head = gitrepo.branch_sha(repo_path, branch)  # this runs for every project shown: no git process
    empty = head is None
    has_readme = head is not None and _has_readme(repo_path, head)
    description = project["description"] or None
    owner = {"id": project["creator_id"], "username": "root", "name": "Administrator", "state": "active",
             "locked": False, "avatar_url": None, "web_url": f"{sandbox.url}/root",
             "created_at": project["created_at"]}
    body: dict[str, Any] = {
        "id": project["id"], "description": description,
        "description_html": f'<p dir="auto">{html.escape(description)}</p>' if description else "",
        "default_branch": branch, "visibility": project.get("visibility") or "private",
        "ssh_url_to_repo": f"git@127.0.0.1:{path}.git", "http_url_to_repo": f"{web}.git", "web_url": web,
        "readme_url": f"{web}/-/blob/{branch}/README.md" if has_readme else None, "tag_list": [], "topics": [],
    }
    if namespace["kind"] == "user":
        body["owner"] = owner
    body.update({
        "name": project["name"], "name_with_namespace": f"{namespace['name']} / {project['name']}",
        "path": short, "path_with_namespace": path,
        "issues_enabled": True, "open_issues_count": 0, "merge_requests_enabled": True, "jobs_enabled": True,
        "wiki_enabled": True, "snippets_enabled": True, "can_create_merge_request_in": True,
        "resolve_outdated_diff_discussions": False,
        "container_registry_enabled": project["container_registry_access_level"] != "disabled",
        "container_registry_access_level": project["container_registry_access_level"],
        "security_and_compliance_access_level": "private",
        "container_expiration_policy": {"cadence": "1d", "enabled": False, "keep_n": 10, "older_than": "90d",
                                        "name_regex": ".*", "name_regex_delete": None, "name_regex_keep": None,
                                        "next_run_at": project["created_at"]},
        "created_at": project["created_at"], "updated_at": project["last_activity_at"],
        "last_activity_at": project["last_activity_at"], "creator_id": project["creator_id"],
        "namespace": namespace,
        "import_url": None, "import_type": None, "import_status": "none", "import_error": None,
        "permissions": {"project_access": {"access_level": 50, "notification_level": 3}, "group_access": None},
        "archived": False, "avatar_url": avatar_url(sandbox, project),
        "shared_runners_enabled": bool(project["shared_runners_enabled"]), "group_runners_enabled": True,
        "forks_count": 0, "star_count": 0, "runners_token": sandbox.registration_token(project["id"]),
        "ci_default_git_depth": 20, "ci_forward_deployment_enabled": True,
        "ci_forward_deployment_rollback_allowed": True, "ci_allow_fork_pipelines_to_run_in_parent_project": True,
        "ci_id_token_sub_claim_components": ["project_path", "ref_type", "ref"],
        "ci_job_token_scope_enabled": False, "ci_separated_caches": True,
        "ci_restrict_pipeline_cancellation_role": "developer",
        "ci_pipeline_variables_minimum_override_role": "developer",
        "ci_push_repository_for_job_token_allowed": False, "ci_display_pipeline_variables": False,
        "protect_merge_request_pipelines": True, "public_jobs": True, "build_timeout": 3600,
        "auto_cancel_pending_pipelines": "enabled", "ci_config_path": "", "shared_with_groups": [],
        "repository_storage": "default",
        "only_allow_merge_if_pipeline_succeeds": False, "allow_merge_on_skipped_pipeline": None,
        "allow_pipeline_trigger_approve_deployment": False, "restrict_user_defined_variables": False,
        "only_allow_merge_if_all_discussions_are_resolved": False, "remove_source_branch_after_merge": True,
        "printing_merge_request_link_enabled": True, "request_access_enabled": True, "merge_method": "merge",
        "squash_option": "default_off", "auto_devops_enabled": False, "auto_devops_deploy_strategy": "continuous",
        "approvals_before_merge": 0, "mirror": False, "mirror_user_id": None, "mirror_trigger_builds": False,
        "only_mirror_protected_branches": False, "mirror_overwrites_diverged_branches": False,
        "external_authorization_classification_label": "", "packages_enabled": True,
        "package_registry_access_level": "enabled", "empty_repo": empty,
        "service_desk_enabled": False, "service_desk_address": None, "autoclose_referenced_issues": True,
        "suggestion_commit_message": None, "enforce_auth_checks_on_uploads": True,
        "merge_commit_template": None, "mr_default_title_template": None, "squash_commit_template": None,
        "issue_branch_template": None, "marked_for_deletion_at": None, "marked_for_deletion_on": None,
        "compliance_frameworks": [], "warn_about_potentially_unwanted_characters": True,
        "secret_push_protection_enabled": False, "spp_repository_pipeline_access": False,
        "issues_access_level": "enabled", "repository_access_level": "enabled",
        "merge_requests_access_level": "enabled", "forking_access_level": "enabled", "wiki_access_level": "enabled",
        "builds_access_level": "enabled", "snippets_access_level": "enabled", "pages_access_level": "private",
        "analytics_access_level": "enabled", "requirements_access_level": "enabled",
        "emails_disabled": False, "emails_enabled": True, "lfs_enabled": True, "keep_latest_artifact": True,
        "runner_token_expiration_interval": None, "requirements_enabled": True,
        "security_and_compliance_enabled": True,
        "container_registry_image_prefix": f"{sandbox.registry_host}/{path}",
        "_links": {"self": api, "issues": f"{api}/issues", "merge_requests": f"{api}/merge_requests",
                   "repo_branches": f"{api}/repository/branches", "labels": f"{api}/labels",
                   "events": f"{api}/events", "members": f"{api}/members",
                   "cluster_agents": f"{api}/cluster_agents"},
    })
    if license_info:
        body["license_url"] = None  # the sandbox detects no licence file
        body["license"] = None
    if statistics:
        body["statistics"] = project_statistics(repo_path, head)
    return body


_README_CACHE: dict[tuple[str, str], bool] = {}  # (repository, commit) -> README.md there; commits never change


def _has_readme(repo_path, sha: str) -> bool:
    key = (str(repo_path), sha)
    if key not in _README_CACHE:
        if len(_README_CACHE) > 10_000:
            _README_CACHE.clear()
        _README_CACHE[key] = gitrepo.blob_id(repo_path, sha, "README.md") is not None
    return _README_CACHE[key]


def project_statistics(repo_path, head: str | None) -> dict[str, int]:
    commits = int(gitrepo.git(repo_path, "rev-list", "--count", head).decode().strip()) if head else 0
    size = sum(f.stat().st_size for f in repo_path.rglob("*") if f.is_file()) if repo_path.exists() else 0
    return {"commit_count": commits, "storage_size": size, "repository_size": size, "wiki_size": 0,
            "lfs_objects_size": 0, "job_artifacts_size": 0, "pipeline_artifacts_size": 0, "packages_size": 0,
            "snippets_size": 0, "uploads_size": 0, "container_registry_size": 0}
