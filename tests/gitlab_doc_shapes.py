"""The shape (field names and JSON types) of the example answers GitLab documents in gitlabhq's
doc/api/*.md, for the sandbox's contract tests. Each entry names its doc page; ``None`` marks a field the
doc shows as null (any type, or null, is accepted there). A value is a type name ("int", "str", "bool",
"float"), a list holding the shape of its items, or a dict of fields.

Only shapes are kept here, not the docs' example values."""

from __future__ import annotations

from typing import Any

# doc/api/projects.md, 'List all projects' and 'Get a single project' (19.0-era revision)
PROJECT_LIST_ITEM: dict[str, Any] = {
    'id': 'int', 'description': 'str', 'description_html': 'str', 'name': 'str', 'name_with_namespace': 'str',
    'path': 'str', 'path_with_namespace': 'str', 'created_at': 'str', 'updated_at': 'str', 'default_branch': 'str',
    'tag_list': ['str'], 'topics': ['str'], 'ssh_url_to_repo': 'str', 'http_url_to_repo': 'str', 'web_url': 'str',
    'readme_url': 'str', 'avatar_url': 'str', 'forks_count': 'int', 'star_count': 'int', 'last_activity_at': 'str',
    'namespace': {'id': 'int', 'name': 'str', 'path': 'str', 'kind': 'str', 'full_path': 'str', 'parent_id': None, 'avatar_url': 'str', 'web_url': 'str'},
    'container_registry_image_prefix': 'str',
    '_links': {'self': 'str', 'issues': 'str', 'merge_requests': 'str', 'repo_branches': 'str', 'labels': 'str', 'events': 'str', 'members': 'str', 'cluster_agents': 'str'},
    'packages_enabled': 'bool', 'package_registry_access_level': 'str', 'empty_repo': 'bool', 'archived': 'bool',
    'visibility': 'str', 'resolve_outdated_diff_discussions': 'bool',
    'container_expiration_policy': {'cadence': 'str', 'enabled': 'bool', 'keep_n': 'int', 'older_than': 'str', 'name_regex': 'str', 'name_regex_keep': 'str', 'next_run_at': 'str'},
    'issues_enabled': 'bool', 'merge_requests_enabled': 'bool', 'wiki_enabled': 'bool', 'jobs_enabled': 'bool',
    'snippets_enabled': 'bool', 'container_registry_enabled': 'bool', 'service_desk_enabled': 'bool',
    'can_create_merge_request_in': 'bool', 'issues_access_level': 'str', 'repository_access_level': 'str',
    'merge_requests_access_level': 'str', 'forking_access_level': 'str', 'wiki_access_level': 'str',
    'builds_access_level': 'str', 'snippets_access_level': 'str', 'pages_access_level': 'str',
    'analytics_access_level': 'str', 'container_registry_access_level': 'str',
    'security_and_compliance_access_level': 'str', 'emails_disabled': None, 'emails_enabled': None,
    'shared_runners_enabled': 'bool', 'group_runners_enabled': 'bool', 'lfs_enabled': 'bool', 'creator_id': 'int',
    'import_url': None, 'import_type': None, 'import_status': 'str', 'import_error': None,
    'open_issues_count': 'int', 'ci_default_git_depth': 'int', 'ci_forward_deployment_enabled': 'bool',
    'ci_forward_deployment_rollback_allowed': 'bool', 'ci_allow_fork_pipelines_to_run_in_parent_project': 'bool',
    'ci_id_token_sub_claim_components': ['str'], 'ci_job_token_scope_enabled': 'bool',
    'ci_separated_caches': 'bool', 'ci_restrict_pipeline_cancellation_role': 'str',
    'ci_pipeline_variables_minimum_override_role': 'str', 'ci_push_repository_for_job_token_allowed': 'bool',
    'ci_display_pipeline_variables': 'bool', 'protect_merge_request_pipelines': 'bool', 'public_jobs': 'bool',
    'build_timeout': 'int', 'auto_cancel_pending_pipelines': 'str', 'ci_config_path': 'str',
    'shared_with_groups': [], 'only_allow_merge_if_pipeline_succeeds': 'bool',
    'allow_merge_on_skipped_pipeline': None, 'allow_pipeline_trigger_approve_deployment': 'bool',
    'restrict_user_defined_variables': 'bool', 'request_access_enabled': 'bool',
    'only_allow_merge_if_all_discussions_are_resolved': 'bool', 'remove_source_branch_after_merge': 'bool',
    'printing_merge_request_link_enabled': 'bool', 'merge_method': 'str', 'squash_option': 'str',
    'enforce_auth_checks_on_uploads': 'bool', 'suggestion_commit_message': None, 'merge_commit_template': None,
    'mr_default_title_template': None, 'squash_commit_template': None, 'issue_branch_template': 'str',
    'auto_devops_enabled': 'bool', 'auto_devops_deploy_strategy': 'str', 'autoclose_referenced_issues': 'bool',
    'keep_latest_artifact': 'bool', 'runner_token_expiration_interval': None,
    'external_authorization_classification_label': 'str', 'requirements_enabled': 'bool',
    'requirements_access_level': 'str', 'security_and_compliance_enabled': 'bool',
    'secret_push_protection_enabled': 'bool', 'compliance_frameworks': [],
    'warn_about_potentially_unwanted_characters': 'bool',
    'permissions': {'project_access': None, 'group_access': None},
}

PROJECT: dict[str, Any] = {
    'id': 'int', 'description': 'str', 'description_html': 'str', 'default_branch': 'str', 'visibility': 'str',
    'ssh_url_to_repo': 'str', 'http_url_to_repo': 'str', 'web_url': 'str', 'readme_url': 'str',
    'tag_list': ['str'], 'topics': ['str'], 'owner': {'id': 'int', 'name': 'str', 'created_at': 'str'},
    'name': 'str', 'name_with_namespace': 'str', 'path': 'str', 'path_with_namespace': 'str',
    'issues_enabled': 'bool', 'open_issues_count': 'int', 'merge_requests_enabled': 'bool', 'jobs_enabled': 'bool',
    'wiki_enabled': 'bool', 'snippets_enabled': 'bool', 'can_create_merge_request_in': 'bool',
    'resolve_outdated_diff_discussions': 'bool', 'container_registry_enabled': 'bool',
    'container_registry_access_level': 'str', 'security_and_compliance_access_level': 'str',
    'container_expiration_policy': {'cadence': 'str', 'enabled': 'bool', 'keep_n': None, 'older_than': None, 'name_regex': None, 'name_regex_delete': None, 'name_regex_keep': None, 'next_run_at': 'str'},
    'created_at': 'str', 'updated_at': 'str', 'last_activity_at': 'str', 'creator_id': 'int',
    'namespace': {'id': 'int', 'name': 'str', 'path': 'str', 'kind': 'str', 'full_path': 'str', 'avatar_url': 'str', 'web_url': 'str'},
    'import_url': None, 'import_type': None, 'import_status': 'str', 'import_error': None,
    'permissions': {'project_access': {'access_level': 'int', 'notification_level': 'int'}, 'group_access': {'access_level': 'int', 'notification_level': 'int'}},
    'archived': 'bool', 'avatar_url': 'str', 'license_url': 'str',
    'license': {'key': 'str', 'name': 'str', 'nickname': 'str', 'html_url': 'str', 'source_url': 'str'},
    'shared_runners_enabled': 'bool', 'group_runners_enabled': 'bool', 'forks_count': 'int', 'star_count': 'int',
    'runners_token': 'str', 'ci_default_git_depth': 'int', 'ci_forward_deployment_enabled': 'bool',
    'ci_forward_deployment_rollback_allowed': 'bool', 'ci_allow_fork_pipelines_to_run_in_parent_project': 'bool',
    'ci_id_token_sub_claim_components': ['str'], 'ci_separated_caches': 'bool',
    'ci_restrict_pipeline_cancellation_role': 'str', 'ci_pipeline_variables_minimum_override_role': 'str',
    'ci_push_repository_for_job_token_allowed': 'bool', 'ci_display_pipeline_variables': 'bool',
    'protect_merge_request_pipelines': 'bool', 'public_jobs': 'bool',
    'shared_with_groups': [{'group_id': 'int', 'group_name': 'str', 'group_full_path': 'str', 'group_access_level': 'int'}],
    'repository_storage': 'str', 'only_allow_merge_if_pipeline_succeeds': 'bool',
    'allow_merge_on_skipped_pipeline': 'bool', 'allow_pipeline_trigger_approve_deployment': 'bool',
    'restrict_user_defined_variables': 'bool', 'only_allow_merge_if_all_discussions_are_resolved': 'bool',
    'remove_source_branch_after_merge': 'bool', 'printing_merge_requests_link_enabled': 'bool',
    'request_access_enabled': 'bool', 'merge_method': 'str', 'squash_option': 'str', 'auto_devops_enabled': 'bool',
    'auto_devops_deploy_strategy': 'str', 'approvals_before_merge': 'int', 'mirror': 'bool',
    'mirror_user_id': 'int', 'mirror_trigger_builds': 'bool', 'only_mirror_protected_branches': 'bool',
    'mirror_overwrites_diverged_branches': 'bool', 'external_authorization_classification_label': None,
    'packages_enabled': 'bool', 'empty_repo': 'bool', 'service_desk_enabled': 'bool', 'service_desk_address': None,
    'autoclose_referenced_issues': 'bool', 'suggestion_commit_message': None,
    'enforce_auth_checks_on_uploads': 'bool', 'merge_commit_template': None, 'mr_default_title_template': None,
    'squash_commit_template': None, 'issue_branch_template': 'str', 'marked_for_deletion_at': 'str',
    'marked_for_deletion_on': 'str', 'compliance_frameworks': ['str'],
    'warn_about_potentially_unwanted_characters': 'bool', 'secret_push_protection_enabled': 'bool',
    'statistics': {'commit_count': 'int', 'storage_size': 'int', 'repository_size': 'int', 'wiki_size': 'int', 'lfs_objects_size': 'int', 'job_artifacts_size': 'int', 'pipeline_artifacts_size': 'int', 'packages_size': 'int', 'snippets_size': 'int', 'uploads_size': 'int', 'container_registry_size': 'int'},
    'container_registry_image_prefix': 'str',
    '_links': {'self': 'str', 'issues': 'str', 'merge_requests': 'str', 'repo_branches': 'str', 'labels': 'str', 'events': 'str', 'members': 'str', 'cluster_agents': 'str'},
    'spp_repository_pipeline_access': 'bool',
}

# doc/api/commits.md, 'List repository commits' (an item) and 'Get the diff of a commit' (an item)
COMMIT: dict[str, Any] = {
    "id": "str", "short_id": "str", "title": "str", "author_name": "str", "author_email": "str",
    "authored_date": "str", "committer_name": "str", "committer_email": "str", "committed_date": "str",
    "created_at": "str", "message": "str", "parent_ids": ["str"], "web_url": "str", "trailers": {},
    "extended_trailers": {},
}
COMMIT_DIFF: dict[str, Any] = {
    "diff": "str", "new_path": "str", "old_path": "str", "a_mode": "str", "b_mode": "str", "new_file": "bool",
    "renamed_file": "bool", "deleted_file": "bool", "generated_file": "bool",
}
# doc/api/repository_files.md, 'Create new file in repository' and 'Update existing file in repository'
FILE_WRITE: dict[str, Any] = {"file_path": "str", "branch": "str"}
# doc/api/repositories.md, 'List repository tree' (an item)
TREE_ITEM: dict[str, Any] = {"id": "str", "name": "str", "type": "str", "path": "str", "mode": "str"}
# doc/api/templates/gitlab_ci_ymls.md, 'List GitLab CI YAML templates' (an item) and 'Single ... template'
TEMPLATE_LIST_ITEM: dict[str, Any] = {"key": "str", "name": "str"}
TEMPLATE: dict[str, Any] = {"name": "str", "content": "str"}

# Fields GitLab documents with a value that it gives as null in the situations the sandbox plays
# (no description, no README, no avatar, no mirror, not marked for deletion, no group).
PROJECT_NULLABLE = frozenset({
    "description", "readme_url", "avatar_url", "namespace.avatar_url", "mirror_user_id", "issue_branch_template",
    "marked_for_deletion_at", "marked_for_deletion_on", "permissions.group_access",
    "container_expiration_policy.name_regex_keep", "allow_merge_on_skipped_pipeline", "license_url", "license",
})
# doc/api/projects.md's single-project example spells this field with an "s" (its list example and the
# API say printing_merge_request_link_enabled); the sandbox gives the field the API has.
PROJECT_DOC_TYPOS = frozenset({"printing_merge_requests_link_enabled"})

_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def shape_problems(actual: Any, documented: Any, where: str = "", nullable: frozenset[str] = frozenset(),
                   skip: frozenset[str] = frozenset()) -> list[str]:
    """Every way ``actual`` differs from the documented shape: a missing field, or a value of another type.
    Fields the sandbox adds are not problems (GitLab adds fields between versions too)."""
    if documented is None:
        return []
    if actual is None:
        return [] if where in nullable else [f"{where or 'answer'} is null, documented as {documented!r}"]
    if isinstance(documented, str):
        ok = isinstance(actual, _TYPES[documented]) and (documented == "bool" or not isinstance(actual, bool))
        return [] if ok else [f"{where} is {type(actual).__name__} {actual!r}, documented as {documented}"]
    if isinstance(documented, list):
        if not isinstance(actual, list):
            return [f"{where} is {type(actual).__name__}, documented as a list"]
        if not documented:
            return []
        return [p for i, item in enumerate(actual) for p in shape_problems(item, documented[0], f"{where}[{i}]",
                                                                         nullable, skip)]
    if not isinstance(actual, dict):
        return [f"{where or 'answer'} is {type(actual).__name__}, documented as an object"]
    problems = []
    for key, sub in documented.items():
        path = f"{where}.{key}" if where else key
        if path in skip:
            continue
        if key not in actual:
            problems.append(f"{path} is missing")
        else:
            problems.extend(shape_problems(actual[key], sub, path, nullable, skip))
    return problems
