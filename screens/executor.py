"""Step 3: how jobs get a Docker daemon. Five choices, two lines of trade-offs each, one recommended."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, RadioButton, RadioSet

from screens.messages import PlanChanged
from screens.step import StepScreen
from wizard.plan import EXECUTORS, Plan

RECOMMENDED = "docker-dind-tls"

# (label, two lines of trade-offs) per executor: the teaching page (F1) has the whole story.
CHOICES: dict[str, tuple[str, str]] = {
    "hosted": ("GitLab's hosted runners",
               "Nothing to install: GitLab runs the job and provides Docker-in-Docker.\n"
               "Only on GitLab.com or where your admin offers them; compute minutes are metered."),
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
}


class ExecutorScreen(StepScreen):
    STEP_ID = "executor"

    def compose_form(self) -> ComposeResult:
        with RadioSet(id="executor-choice"):
            for key in EXECUTORS:
                label, _ = CHOICES[key]
                if key == RECOMMENDED:
                    label += "  (recommended)"
                yield RadioButton(label, id=f"executor-{key}")
        yield Label("", id="executor-tradeoffs", classes="tradeoffs")
        yield Label("F1: the full teaching page, with what each choice grants and the traps.", classes="hint")

    def load_plan(self, plan: Plan) -> None:
        button = self.query_one(f"#executor-{plan.executor}", RadioButton)
        if not button.value:
            with self.prevent(RadioSet.Changed):
                button.value = True
        self._show(plan.executor)

    def _show(self, key: str) -> None:
        label, lines = CHOICES[key]
        self.query_one("#executor-tradeoffs", Label).update(f"{label}\n{lines}")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        key = (event.pressed.id or "").removeprefix("executor-")
        if key in CHOICES:
            self._show(key)
            self.post_message(PlanChanged(None, executor=key))
