"""Which tags a passed pipeline pushed (issue 16 item 10): read from the jobs' logs as Docker prints a push,
matched against GitLab's registry listing; apply's summary names them in full."""

import io
from pathlib import Path
from types import SimpleNamespace

from dockwright.wizard.apply import ApplyReport
from dockwright.wizard.apply_watch import check_registry
from dockwright.wizard.plan import Plan, RegistrySpec
from dockwright.wizard.pushed_tags import in_registry, pull_lines, pushed_images
from dockwright.wizard.session import Session

SHA = "3f1abb642494026e3c2c3ef733db75c723e6ae28"
DIGEST = "sha256:" + "7e" * 32
BUILD_LOG = (f"\x1b[32;1m$ docker push \"$IMAGE_NAME:$CI_COMMIT_SHA\"\x1b[0;m\n"
             "The push refers to repository [127.0.0.1:8929/demo/app]\nca8846d656d1: Pushed\n"
             f"{SHA}: digest: {DIGEST} size: 1788\n"
             "\x1b[32;1m$ docker push \"$IMAGE_NAME:$CI_COMMIT_REF_SLUG\"\x1b[0;m\n"
             "The push refers to repository [127.0.0.1:8929/demo/app]\nca8846d656d1: Layer already exists\n"
             f"main: digest: {DIGEST} size: 1788\n")
RELEASE_LOG = f"The push refers to repository [docker.io/alice/app]\nlatest: digest: {DIGEST} size: 1788\n"
BUILDKIT_LOG = f"#12 pushing manifest for registry.example.com/team/app:v1@{DIGEST} 0.4s done\n"


def test_pushes_are_read_as_docker_and_buildkit_print_them():
    assert pushed_images(BUILD_LOG) == [("127.0.0.1:8929/demo/app", SHA), ("127.0.0.1:8929/demo/app", "main")]
    assert pushed_images(RELEASE_LOG + BUILDKIT_LOG) == [("docker.io/alice/app", "latest"),
                                                          ("registry.example.com/team/app", "v1")]
    assert pushed_images("$ docker push x\nAn image does not exist locally with the tag: x\n") == []


def test_a_tag_made_in_the_registry_by_buildx_imagetools_counts_as_pushed():
    """dockwright-release retags latest with `docker buildx imagetools create` (issue 17 item 22)."""
    log = (f"$ docker buildx imagetools create -t \"$DOCKWRIGHT_IMAGE:latest\" \"$DOCKWRIGHT_IMAGE:$CI_COMMIT_SHA\"\n"
           f"#1 [internal] pushing docker.io/alice/app:latest\n#1 0.1 copying {DIGEST} from docker.io/alice/app:{SHA} "
           f"to docker.io/alice/app:latest\n#1 DONE 0.2s\n")
    assert pushed_images(log) == [("docker.io/alice/app", "latest")]


def test_only_the_tags_the_registry_has_are_offered():
    registry = {"127.0.0.1:8929/demo/app": [SHA, "latest"], "alice/app": ["latest"]}
    found = in_registry(pushed_images(BUILD_LOG + RELEASE_LOG), registry)
    assert found == [("127.0.0.1:8929/demo/app", SHA), ("alice/app", "latest")]  # main is not there
    assert pull_lines(found)[0] == f"docker pull 127.0.0.1:8929/demo/app:{SHA}"


def test_apply_names_what_the_pipeline_pushed_to_another_registry_in_full():
    plan = Plan(registry=RegistrySpec(kind="dockerhub", image="alice/app"))
    report = ApplyReport()
    session = Session(workdir=Path("."), access=SimpleNamespace(default_branch="main"))
    check_registry(plan, session, report, SHA, io.StringIO())
    note = report.notes[-1]
    assert f"alice/app:{SHA}, alice/app:main, alice/app:latest" in note and "Docker Hub" in note


def test_the_hint_without_pushes_in_the_logs():
    from dockwright.wizard.pushed_tags import pull_hint

    text, ok = pull_hint([], {"r/demo/app": [SHA, "main"]}, sha=SHA, ref="main", registry_kind="gitlab")
    assert ok and text.splitlines()[1:] == [f"docker pull r/demo/app:{SHA}", "docker pull r/demo/app:main"]
    text, ok = pull_hint([], {}, sha=SHA, ref="main", registry_kind="gitlab")
    assert not ok and "no image tagged 3f1abb64" in text and "empty" in text
    text, ok = pull_hint([], None, sha=SHA, ref="main", registry_kind="ecr")
    assert ok and "Amazon ECR" in text and "cannot list" in text
