"""Step 4 (not for hosted runners): the runner dockwright creates, its config.toml entry, the register command.

Nothing is created here: the runner is created, its config.toml written and its status followed on the
Apply step, after Review. This step shows exactly what that will be.
"""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, Switch

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import (
    ChoiceButton,
    FieldInput,
    MarkedSwitch,
    field_row,
    plan_problem,
    press_radio,
)
from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.credentials import Secret
from dockwright.wizard.plan import RUNNER_WORKFLOWS, Plan, check_plan

WORKFLOWS = {
    "authentication-token": "Create it through the API (recommended)",
    "registration-token": "Registration token (deprecated)",
}

SHELL_SETUP = (
    "The shell executor runs jobs as the gitlab-runner user directly on the host, with its Docker Engine:\n"
    "  1. Install Docker Engine on the host (docs.docker.com/engine/install).\n"
    "  2. sudo usermod -aG docker gitlab-runner   (then restart gitlab-runner)\n"
    "What that grants: membership of the docker group is root on that host, for every job of every project "
    "this runner serves. Use it only on a machine dedicated to CI."
)


class RunnerScreen(StepScreen):
    STEP_ID = "runner"

    def compose_form(self) -> ComposeResult:
        with RadioSet(id="runner-workflow"):
            for key in RUNNER_WORKFLOWS:
                yield ChoiceButton(WORKFLOWS[key], id=f"workflow-{key}")
        yield Label("The API way needs GitLab 15.10 or later and hands the runner its glrt- token once; "
                    "registration tokens are off by default since GitLab 17.0.", classes="hint")
        yield from field_row("Registration token", FieldInput(id="rn-registration-token", password=True,
                                                          placeholder="from Settings > CI/CD > Runners"),
                             "The project's legacy registration token; kept in memory only, never saved")
        yield from field_row("Description", FieldInput(id="rn-description"), "Shown in GitLab's runner list")
        yield from field_row("Tags", FieldInput(id="rn-tags", placeholder="e.g. docker, linux"),
                             "Comma-separated; the jobs carry the same tags so this runner picks them up")
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="rn-run_untagged")
            yield Label("Also run jobs without tags")
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="rn-protected")
            yield Label("Only protected branches and tags")
        with Horizontal(classes="switch-row", id="rn-psonly-row"):
            yield MarkedSwitch(id="rn-privileged_services_only")
            yield Label("Only the dind service is privileged, not the job (restricted mode)")
        yield from field_row("Docker image", FieldInput(id="rn-docker_image"), "Default image for jobs without image:")
        yield from field_row("config.toml", FieldInput(id="rn-config_path"), "Where gitlab-runner reads its config")
        yield from field_row("Namespace", FieldInput(id="rn-k8s-namespace"),
                             "Kubernetes namespace of the Helm release and the job pods")
        yield from field_row("Helm values", FieldInput(id="rn-k8s-helm_values_path"),
                             "values.yaml for GitLab Runner's Helm chart, in the repository (no token in it)")
        yield Label("", id="rn-problem", classes="problem")
        with Vertical(id="rn-shell-setup"):
            yield Static(SHELL_SETUP, classes="tradeoffs")
            with Horizontal(classes="switch-row"):
                yield MarkedSwitch(id="rn-host-ready")
                yield Label("Done: Docker Engine is installed there and gitlab-runner is in the docker group")
        yield Label(DOCKER_NEXT, id="rn-next", classes="hint")
        yield Static("", id="rn-register")
        with Horizontal(classes="button-row"):
            yield Button("Copy register command", id="rn-copy")
        with Horizontal(classes="switch-row", id="rn-local-row"):
            yield MarkedSwitch(id="rn-local")
            yield Label("", id="rn-local-label")

    def on_mount(self) -> None:
        self.watch(self.app, "plan", self._update_register, init=False)

    def load_plan(self, plan: Plan) -> None:
        self.call_after_refresh(self._update_register, plan)
        r = plan.runner
        button = self.query_one(f"#workflow-{r.workflow}", RadioButton)
        press_radio(button)
        values = {"rn-description": r.description, "rn-tags": ", ".join(r.tags),
                  "rn-docker_image": r.docker_image, "rn-config_path": r.config_path}
        with self.prevent(Input.Changed, Switch.Changed):
            for wid, value in values.items():
                field = self.query_one(f"#{wid}", Input)
                if field.value != value and not (wid == "rn-tags" and _tags(field.value) == r.tags):
                    field.value = value
            self.query_one("#rn-run_untagged", Switch).value = r.run_untagged
            self.query_one("#rn-protected", Switch).value = r.protected
            self.query_one("#rn-privileged_services_only", Switch).value = r.privileged_services_only
            for name in ("namespace", "helm_values_path"):
                field = self.query_one(f"#rn-k8s-{name}", Input)
                if field.value != getattr(r.kubernetes, name):
                    field.value = getattr(r.kubernetes, name)
        k8s = plan.runner_kind == "kubernetes"  # Helm chart values instead of config.toml (issue 14)
        for wid in ("rn-k8s-namespace", "rn-k8s-helm_values_path"):
            self.query_one(f"#{wid}").query_ancestor(".field-row").display = k8s
        self.query_one("#rn-config_path").query_ancestor(".field-row").display = not k8s
        self.query_one("#rn-copy", Button).label = "Copy helm commands" if k8s else "Copy register command"
        update_label(self.query_one("#rn-next", Label),
                     (KUBERNETES_SANDBOX_NEXT if self.services.sandbox else KUBERNETES_NEXT) if k8s else DOCKER_NEXT)
        self.query_one("#rn-psonly-row").display = plan.executor in ("docker-dind-tls", "docker-dind")
        legacy = r.workflow == "registration-token"
        self.query_one("#rn-registration-token").query_ancestor(".field-row").display = legacy
        from dockwright.wizard.runner_setup import gitlab_runner_binary

        binary = gitlab_runner_binary()
        self.query_one("#rn-local-row").display = binary is not None and not k8s
        if binary:
            update_label(self.query_one("#rn-local-label", Label),
                         f"gitlab-runner is installed ({binary}): register with it at apply (the token goes through its "
                         "environment, never its command line)")
        self.query_one("#rn-shell-setup").display = plan.executor == "shell"
        self.query_one("#rn-docker_image").query_ancestor(".field-row").display = plan.runner_kind == "docker"

    def _update_register(self, plan: Plan) -> None:
        if not self.is_current or not plan.uses_own_runner:
            return
        from dockwright.wizard.render import render_register_command

        update_label(self.query_one("#rn-register", Static),
                     render_register_command(plan, url=plan.gitlab.url))
        problems = [plan_problem(key, problem, allowed) for key, problem, allowed in check_plan(plan)
                    if key.startswith("runner.")]
        update_label(self.query_one("#rn-problem", Label), problems[0] if problems else "")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        key = (event.pressed.id or "").removeprefix("workflow-")
        if key in RUNNER_WORKFLOWS:
            self.post_message(PlanChanged("runner", workflow=key))
            self.query_one("#rn-registration-token").query_ancestor(".field-row").display = key == "registration-token"

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if not wid.startswith("rn-"):
            return
        if wid == "rn-registration-token":
            self.services.registration_token = Secret(event.value.strip()) if event.value.strip() else None
            return
        if wid.startswith("rn-k8s-"):
            k8s = dataclasses.replace(self.plan.runner.kubernetes, **{wid.removeprefix("rn-k8s-"): event.value.strip()})
            self.post_message(PlanChanged("runner", kubernetes=k8s))
            return
        name = wid.removeprefix("rn-")
        value = _tags(event.value) if name == "tags" else event.value.strip()
        if name == "description" and not value:
            update_label(self.query_one("#rn-problem", Label), "Give the runner a description: GitLab lists it by that.")
            return
        self.post_message(PlanChanged("runner", **{name: value}))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "rn-local":
            self.services.register_with_local_runner = event.value
            return
        if event.switch.id == "rn-host-ready":
            self.services.host_has_docker = event.value
            return
        name = (event.switch.id or "").removeprefix("rn-")
        if name in ("run_untagged", "protected", "privileged_services_only"):
            self.post_message(PlanChanged("runner", **{name: event.value}))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rn-copy":
            event.stop()
            from dockwright.wizard.render import render_register_command

            self.app.copy_to_clipboard(render_register_command(self.plan, url=self.plan.gitlab.url))
            what = "Helm commands" if self.plan.runner_kind == "kubernetes" else "Register command"
            self.notify(f"{what} copied. They read the token without echo, so it never appears on a command line.")

    def show_problem_field(self) -> None:
        if self.plan.runner.workflow == "registration-token" and not self.services.registration_token:
            self.query_one("#rn-registration-token").focus()
        elif self.plan.executor == "shell" and not self.services.host_has_docker:
            self.query_one("#rn-host-ready").focus()

    def problem(self) -> str | None:
        if self.plan.runner.workflow == "registration-token" and not self.services.registration_token:
            return ("Paste the project's registration token (Settings > CI/CD > Runners), or choose "
                    "\"Create it through the API\", which GitLab recommends since 15.10.")
        if self.plan.executor == "shell" and not self.services.host_has_docker:
            return ("The shell executor uses the host's own Docker: install Docker Engine there, add gitlab-runner "
                    "to the docker group, then switch on \"Done\" (or choose a Docker executor instead).")
        return str(self.query_one("#rn-problem", Label).content) or None


DOCKER_NEXT = ("After Review, Apply creates the runner in GitLab, writes its entry (the config.toml tab) with mode "
               "0600, and waits until it is online. If gitlab-runner runs elsewhere, register it there with:")
KUBERNETES_NEXT = ("Apply writes the Helm chart's values (the values tab, no token in it) and commits them. The "
                   "cluster is yours: create a project runner in GitLab (Settings > CI/CD > Runners), then run "
                   "these with kubectl pointed at the cluster; they ask for its glrt- token without echo:")

KUBERNETES_SANDBOX_NEXT = ("Apply writes the Helm chart's values (the values tab) and commits them. The sandbox has "
                           "no cluster, so Apply plays it: it creates the project runner and starts it from these "
                           "values, as these commands do on a cluster of yours:")


def _tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())
