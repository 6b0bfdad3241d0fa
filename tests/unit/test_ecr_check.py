"""Issue 17 item 25: an ECR repository that does not exist, or has immutable tags, is found at apply when the
AWS CLI is installed; without it the review says what to check."""

from __future__ import annotations

import json
import os
import shutil

from dockwright.wizard.changes import plan_file_changes
from dockwright.wizard.ecr_check import check_ecr_repository, read_describe_output, unchecked_note
from dockwright.wizard.plan import Plan, RegistrySpec

PLAN = Plan(registry=RegistrySpec(kind="ecr", image="flask-app", region="eu-west-1", account="123456789012"))
# `aws ecr describe-repositories` answers, as the AWS CLI prints them
FOUND = {"repositories": [{"repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/flask-app",
                           "registryId": "123456789012", "repositoryName": "flask-app",
                           "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/flask-app",
                           "imageTagMutability": "MUTABLE"}]}
NOT_FOUND = ("\nAn error occurred (RepositoryNotFoundException) when calling the DescribeRepositories operation: "
             "The repository with name 'flask-app' does not exist in the registry with id '123456789012'\n")


def test_the_answer_of_describe_repositories_is_read():
    assert read_describe_output(PLAN, 0, json.dumps(FOUND), "").ok
    immutable = {"repositories": [{**FOUND["repositories"][0], "imageTagMutability": "IMMUTABLE"}]}
    finding = read_describe_output(PLAN, 0, json.dumps(immutable), "")
    assert not finding.ok and "tag immutability" in finding.text and "put-image-tag-mutability" in finding.text
    missing = read_describe_output(PLAN, 254, "", NOT_FOUND)
    assert not missing.ok and "does not exist" in missing.text and "aws ecr create-repository" in missing.text
    other = read_describe_output(PLAN, 255, "", "\nUnable to locate credentials.\n")
    assert other.ok and not other.checked and other.text.endswith("Unable to locate credentials.")  # no verdict


def test_the_real_aws_cli_without_credentials_is_no_verdict(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    found = check_ecr_repository(PLAN, env)
    if shutil.which("aws", path=env["PATH"]) is None:
        assert found is None
    else:
        assert found is not None and found.ok and not found.checked and "could not check" in found.text


def test_without_the_aws_cli_the_review_says_what_to_check(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without aws
    assert check_ecr_repository(PLAN, {"PATH": str(tmp_path)}) is None
    preview = plan_file_changes(PLAN, tmp_path)[2].preview()
    assert f"note: {unchecked_note(PLAN)}" in preview
    assert "tag immutability" in unchecked_note(PLAN) and "create-repository" in unchecked_note(PLAN)
    assert "note: " not in plan_file_changes(Plan(), tmp_path)[2].preview()  # not for GitLab's registry
