"""The onboarding steps, in order, as data: shared by the Textual wizard and ``dockwright --plain``.

Each step has an id (also the name of its screen and of its teaching page), a title, a one-line
"why" shown under the title, and the teaching page ``assets/help/<help_page>.md``.
The order lives here and nowhere else. UI-free: no textual, rich or questionary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dockwright.wizard.plan import Plan


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    why: str
    help_page: str
    # When this returns False for the current plan the step is skipped (e.g. no runner for hosted runners).
    applies: Callable[[Plan], bool] = lambda plan: True

    @property
    def help_asset(self) -> str:
        """The path for :func:`assets.asset_text`, e.g. ``"help/executor.md"``."""
        return f"help/{self.help_page}.md"


STEPS: tuple[Step, ...] = (
    Step("connect", "Connect to GitLab",
         "dockwright talks to GitLab's API with your token to create the runner, variables and pipeline.",
         "connect"),
    Step("project", "Your project",
         "What is in this repository decides the Dockerfile: language, entry point, port, existing files.",
         "project"),
    Step("executor", "How jobs run Docker",
         "A CI job can only build an image if its runner gives it a Docker daemon; each way trades safety for ease.",
         "executor"),
    Step("runner", "Your runner",
         "A runner is the machine that picks up jobs; GitLab hands it only jobs whose tags it carries.",
         "runner", applies=lambda plan: plan.uses_own_runner),
    Step("registry", "Registry and variables",
         "The image has to be pushed somewhere; credentials live in CI/CD variables, never in the repository.",
         "registry"),
    Step("dockerfile", "Dockerfile",
         "The Dockerfile is the recipe docker build follows; pinned, small and non-root images fail less.",
         "dockerfile"),
    Step("pipeline", "Pipeline",
         ".gitlab-ci.yml tells GitLab which jobs to run on each push; build and push belong in one job.",
         "pipeline"),
    Step("review", "Review",
         "Nothing is written or sent to GitLab before you have seen every change here.",
         "review"),
    Step("apply", "Apply and push",
         "Files are written, variables and runner created, then a push makes GitLab start the pipeline.",
         "apply"),
    Step("watch", "Watch the pipeline",
         "The first pipeline shows whether runner, Docker and registry really fit together.",
         "watch"),
)

STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)

RECOMMENDED_EXECUTOR = "docker-dind-tls"

# Executor choices as data: (label, two lines of trade-offs), keyed like plan.EXECUTORS.
# The executor screen and --plain both show these; the teaching page has the whole story.
EXECUTOR_CHOICES: dict[str, tuple[str, str]] = {
    "hosted": ("GitLab's hosted runners",
               "Nothing to install: GitLab runs the job and provides Docker-in-Docker.\n"
               "Only on GitLab.com and GitLab Dedicated (self-managed: your admin's runners); metered."),
    "shell": ("Shell executor on your machine",
              "Jobs run as the gitlab-runner user with the host's Docker Engine: fast, cached layers.\n"
              "Adding gitlab-runner to the docker group makes every job root-equivalent on that host."),
    "docker-dind-tls": ("Docker executor + Docker-in-Docker with TLS",
                        "Each job gets its own throw-away Docker daemon over TLS: isolated, clean builds.\n"
                        "Needs a privileged runner (host-level access for job containers); no layer cache."),
    "docker-dind": ("Docker executor + Docker-in-Docker without TLS",
                    "Same isolation as with TLS, simpler set-up (DOCKER_HOST=tcp://docker:2375).\n"
                    "Still privileged, and the daemon port is unencrypted on the job's network."),
    "docker-socket": ("Docker executor + socket binding",
                      "Jobs use the host's daemon through /var/run/docker.sock: fast, cache shared.\n"
                      "Every job controls the shared daemon: it can see and stop other jobs' containers."),
    # Without a privileged runner (docs.gitlab.com/ci/docker/using_buildkit/, .../using_docker_build/): chosen in
    # the answers file for now; the wizard's executor step lists the five above.
    "docker-buildkit-rootless": ("Docker executor + BuildKit rootless",
                                 "No daemon, no privileged runner: buildctl-daemonless.sh in moby/buildkit:rootless.\n"
                                 "The runner lifts Docker's seccomp and AppArmor profiles (security_opt) instead."),
    "docker-buildah": ("Docker executor + Buildah",
                       "No daemon, no privileged runner: buildah build with vfs storage and chroot isolation.\n"
                       "Slower than overlay storage; the runner lifts seccomp and AppArmor (security_opt)."),
    "kubernetes-dind-tls": ("Kubernetes executor + Docker-in-Docker with TLS",
                            "Each job pod gets its own Docker daemon; certificates in an in-memory emptyDir.\n"
                            "The pods run privileged: many clusters forbid it (Pod Security 'restricted')."),
    "kubernetes-buildkit-rootless": ("Kubernetes executor + BuildKit rootless",
                                     "No daemon, no privileged pod: BuildKit in the job's build container.\n"
                                     "The build container's AppArmor profile is unconfined (a pod annotation)."),
    "kubernetes-buildah": ("Kubernetes executor + Buildah",
                           "No daemon, no privileged pod: buildah build with vfs storage, chroot isolation.\n"
                           "The build container's AppArmor profile is unconfined (a pod annotation)."),
}

# The executor step asks two things (issue 14): where jobs run, then (docker, kubernetes) how the image is built.
# The Plan keeps one ``executor`` value, "where-method" ("docker-buildah"), or "hosted" / "shell" alone.
WHERE_CHOICES: dict[str, tuple[str, str]] = {
    "hosted": EXECUTOR_CHOICES["hosted"],
    "shell": EXECUTOR_CHOICES["shell"],
    "docker": ("Docker executor on a machine of yours",
               "Each job runs in a fresh container; choose below how it builds the image."),
    "kubernetes": ("Kubernetes executor (a cluster of yours, GitLab Runner's Helm chart)",
                   "Each job is a pod; no Docker daemon on the nodes, so no socket binding."),
}
# build method: (label, one line of what it costs). Sources: docs.gitlab.com/ci/docker/using_docker_build/,
# .../using_buildkit/, .../buildah_rootless_tutorial/ (cited on the F1 page).
METHOD_CHOICES: dict[str, tuple[str, str]] = {
    "dind-tls": ("Docker-in-Docker with TLS",
                 "privileged runner (host-level access); own daemon per job, TLS certificates"),
    "dind": ("Docker-in-Docker without TLS",
             "privileged runner; daemon port 2375 unencrypted on the job's network"),
    "socket": ("Socket binding (the host's Docker)",
               "not privileged, but jobs drive the host's daemon: root on the host, shared containers"),
    "buildkit-rootless": ("BuildKit rootless (no daemon)",
                          "not privileged, no host root; runner lifts seccomp/AppArmor (pods: AppArmor unconfined)"),
    "buildah": ("Buildah (no daemon)",
                "not privileged, no host root; vfs storage (slower), seccomp/AppArmor lifted as for BuildKit"),
}
WHERE_METHODS: dict[str, tuple[str, ...]] = {
    "hosted": (), "shell": (),
    "docker": ("dind-tls", "dind", "socket", "buildkit-rootless", "buildah"),
    "kubernetes": ("dind-tls", "buildkit-rootless", "buildah"),
}


def split_executor(executor: str) -> tuple[str, str]:
    """``"kubernetes-buildah"`` -> ``("kubernetes", "buildah")``; ``"shell"`` -> ``("shell", "")``."""
    where, _, method = executor.partition("-")
    return where, method


def join_executor(where: str, method: str) -> str:
    """The Plan's executor for a place and a method; a method that place lacks becomes its first one."""
    methods = WHERE_METHODS[where]
    if not methods:
        return where
    return f"{where}-{method if method in methods else methods[0]}"


def method_tradeoff(executor: str) -> str:
    """The one line Review (and the dry run's list) shows for the chosen executor and build method: what it
    costs in security, so the choice is seen once more before anything is registered."""
    where, method = split_executor(executor)
    if not method:
        return f"Runner and build: {EXECUTOR_CHOICES[executor][0]} — {EXECUTOR_CHOICES[executor][1].splitlines()[-1]}"
    place = {"docker": "the Docker executor", "kubernetes": "Kubernetes"}[where]
    return f"Runner and build: {METHOD_CHOICES[method][0]} on {place} — {METHOD_CHOICES[method][1]}"


REGISTRY_CHOICES: dict[str, str] = {
    "gitlab": "GitLab's container registry (nothing to set: GitLab gives every job its credentials)",
    "dockerhub": "Docker Hub (a username and an access token as CI/CD variables)",
    "ecr": "Amazon ECR (an AWS account, region and repository, and a role for OIDC or an IAM user's keys)",
    "other": "Another registry (its host, a user and a password as CI/CD variables)",
}


def step(step_id: str) -> Step:
    """The step with this id; a ``KeyError`` naming the known ids otherwise."""
    for s in STEPS:
        if s.id == step_id:
            return s
    raise KeyError(f"unknown step {step_id!r}; known steps: {', '.join(STEP_IDS)}")


def steps_for(plan: Plan) -> tuple[Step, ...]:
    """The steps that apply to ``plan``, in order (the runner step disappears for hosted runners)."""
    return tuple(s for s in STEPS if s.applies(plan))


def next_step(plan: Plan, current: str) -> Step | None:
    """The step after ``current`` for this plan, or None after the last one."""
    ids = [s.id for s in STEPS]
    for s in STEPS[ids.index(current) + 1:]:
        if s.applies(plan):
            return s
    return None


def previous_step(plan: Plan, current: str) -> Step | None:
    """The step before ``current`` for this plan, or None before the first one."""
    ids = [s.id for s in STEPS]
    for s in reversed(STEPS[: ids.index(current)]):
        if s.applies(plan):
            return s
    return None
