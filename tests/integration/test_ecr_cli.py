"""The ECR check (issue 17 item 25) with the real AWS CLI against a fake ECR on 127.0.0.1.

The sandbox plays no ECR. The AWS CLI reads ``AWS_ENDPOINT_URL_ECR`` (botocore's service endpoint
variable), so ``aws ecr describe-repositories`` sends its real request (JSON 1.1,
``X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories``) here, and the answer ECR
documents goes back through the CLI's own error and JSON printing into dockwright's reading of it.
Not covered: a real AWS account, IAM permissions, and the pipeline's push to ECR.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from dockwright.wizard.ecr_check import check_ecr_repository
from dockwright.wizard.plan import Plan, RegistrySpec

PLAN = Plan(registry=RegistrySpec(kind="ecr", image="flask-app", region="eu-west-1", account="123456789012"))
TARGET = "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"


def _repository(mutability: str) -> dict:
    return {"repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/flask-app", "registryId": "123456789012",
            "repositoryName": "flask-app", "imageTagMutability": mutability,
            "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/flask-app"}


ANSWERS = {
    "missing": (400, {"__type": "RepositoryNotFoundException", "message": "The repository with name 'flask-app' does "
                      "not exist in the registry with id '123456789012'"}),
    "immutable": (200, {"repositories": [_repository("IMMUTABLE")]}),
    "mutable": (200, {"repositories": [_repository("MUTABLE")]}),
}


@pytest.fixture
def fake_ecr():
    """An HTTP server on 127.0.0.1 that answers DescribeRepositories as ``state['answer']`` says."""
    state: dict = {"answer": "missing", "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state["requests"].append((self.headers.get("X-Amz-Target"), json.loads(body or b"{}"),
                                      self.headers.get("Authorization", "")))
            status, payload = ANSWERS[state["answer"]]
            out = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


def _env(tmp_path, url: str) -> dict[str, str]:
    # the test extras install the real aws CLI into this interpreter's bin folder, which need not be on PATH
    return {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]), "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_ENDPOINT_URL_ECR": url}


@pytest.mark.parametrize("answer", ["missing", "immutable", "mutable"])
def test_the_real_aws_cli_answer_reaches_the_verdict(fake_ecr, tmp_path, answer):
    fake_ecr["answer"] = answer
    env = _env(tmp_path, fake_ecr["url"])
    assert shutil.which("aws", path=env["PATH"]), "the test extras install awscli: pip install -e '.[test]'"
    found = check_ecr_repository(PLAN, env)
    assert found is not None and found.checked, found
    target, body, auth = fake_ecr["requests"][0]
    assert target == TARGET and body == {"registryId": "123456789012", "repositoryNames": ["flask-app"]}
    assert "AKIAIOSFODNN7EXAMPLE" in auth and "wJalrXUtnFEMI" not in auth  # signed, the secret never sent
    if answer == "missing":
        assert not found.ok and "does not exist in account 123456789012 (eu-west-1)" in found.text
        assert "aws ecr create-repository --repository-name flask-app" in found.text
    elif answer == "immutable":
        assert not found.ok and "tag immutability (IMMUTABLE)" in found.text and "put-image-tag-mutability" in found.text
    else:
        assert found.ok and found.text == "ECR repository flask-app exists, tags mutable."
