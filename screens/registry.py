"""Step 5: where the image is pushed, and the CI/CD variables (names and flags; values stay in memory)."""

from __future__ import annotations

import asyncio
import dataclasses

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import ChoiceButton, FieldInput, field_row, plan_problem, press_radio
from dockwright.screens.widgets.label_text import update_label
from dockwright.screens.widgets.variable_row import VariableRow
from dockwright.wizard.credentials import Secret
from dockwright.wizard.plan import REGISTRY_KINDS, Plan
from dockwright.wizard.render.registry import (
    AWS_ROLE_ARN_VAR,
    all_variables,
    ecr_oidc,
    registry_variables,
    switch_ecr_auth,
    switch_registry,
)
from dockwright.wizard.steps import REGISTRY_CHOICES
from dockwright.wizard.variables import new_key_problem, new_variable

GITLAB_WHY = ("Nothing to set. GitLab gives every job CI_REGISTRY, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD "
              "(a job token valid while the job runs), so the pipeline logs in to this project's registry "
              "with no stored secret. Do not create variables with those names: they would shadow the real ones.")

ECR_AUTH_NAMES = {"oidc": "OIDC: the job's ID token, no stored AWS keys (recommended)",
                  "keys": "Access keys of an IAM user, as protected CI/CD variables"}
ECR_AUTH_WHY = {
    "oidc": ("Each job trades its ID token (id_tokens, audience: this GitLab's address) for one-hour credentials "
             "of the role below (aws sts assume-role-with-web-identity). In AWS: this GitLab as OIDC identity "
             "provider, and a role allowed to push whose trust policy names this project. The role's ARN is no "
             "secret: dockwright creates it as DOCKWRIGHT_AWS_ROLE_ARN, protected, not masked."),
    "keys": ("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of an IAM user allowed to push: long-lived keys stored "
             "in GitLab (masked, protected). OIDC needs none."),
}
FIELDS = {  # which registry fields each kind uses
    "gitlab": (),
    "dockerhub": ("image",),
    "ecr": ("account", "region", "image"),
    "other": ("host", "image"),
}


def _name(kind: str) -> str:
    """The choice's name for the radio button ("Docker Hub"); what it needs is said under the list."""
    return REGISTRY_CHOICES[kind].split(" (")[0]


def _what_it_needs(kind: str) -> str:
    needs = REGISTRY_CHOICES[kind].partition(" (")[2].rstrip(")")
    return f"{_name(kind)} needs {needs}. Fill in the fields below; the variables' values are asked for under CI/CD variables."


class RegistryScreen(StepScreen):
    STEP_ID = "registry"

    def compose_form(self) -> ComposeResult:
        with RadioSet(id="registry-kind"):
            for kind in REGISTRY_KINDS:
                yield ChoiceButton(_name(kind), id=f"registry-{kind}")
        yield Label(GITLAB_WHY, id="registry-why", classes="tradeoffs")
        with Vertical(id="registry-fields"):
            yield from field_row("Image", FieldInput(id="reg-image", placeholder="e.g. user/app (the repository name)"))
            yield from field_row("Host", FieldInput(id="reg-host", placeholder="e.g. registry.example.com"))
            yield from field_row("AWS region", FieldInput(id="reg-region", placeholder="e.g. eu-west-1"))
            yield from field_row("AWS account", FieldInput(id="reg-account", placeholder="e.g. 123456789012"))
            with Vertical(id="reg-ecr-auth-box"):
                yield Label("How the jobs log in to AWS", classes="section")
                with RadioSet(id="reg-ecr-auth"):
                    yield ChoiceButton(ECR_AUTH_NAMES["oidc"], id="ecr-auth-oidc")
                    yield ChoiceButton(ECR_AUTH_NAMES["keys"], id="ecr-auth-keys")
                yield Label("", id="reg-ecr-why", classes="hint")
            yield from field_row("IAM role ARN", FieldInput(id="reg-role_arn",
                                                       placeholder="e.g. arn:aws:iam::123456789012:role/gitlab-ecr-push"))
        yield Label("", id="reg-problem", classes="problem")
        yield Label("CI/CD variables", classes="section")
        yield Label("Values are typed hidden or read from an environment variable at apply; they are kept in "
                    "memory only and never written to dockwright.yml. Adding your own is optional: only for "
                    "secrets your build needs.", classes="hint")
        yield Vertical(id="variables")
        with Horizontal(classes="button-row"):
            yield FieldInput(id="var-new-key", placeholder="e.g. APP_SECRET")
            yield Button("Add variable", id="var-add")
        yield Label("", id="var-new-problem", classes="problem")

    def on_mount(self) -> None:
        self._rows_lock = asyncio.Lock()
        self.watch(self.app, "plan", self._plan_changed, init=False)

    def load_plan(self, plan: Plan) -> None:
        self.call_after_refresh(self._plan_changed, plan)
        reg = plan.registry
        button = self.query_one(f"#registry-{reg.kind}", RadioButton)
        press_radio(button)
        with self.prevent(Input.Changed):
            for name in ("image", "host", "region", "account"):
                field = self.query_one(f"#reg-{name}", Input)
                if field.value != getattr(reg, name):
                    field.value = getattr(reg, name)
        with self.prevent(Input.Changed):
            if self.query_one("#reg-role_arn", Input).value != reg.ecr.role_arn:
                self.query_one("#reg-role_arn", Input).value = reg.ecr.role_arn
        self._show_kind(reg.kind)

    async def _plan_changed(self, plan: Plan) -> None:
        if self.is_current:
            self._show_kind(plan.registry.kind)
            await self._rebuild_variables(plan)
            self._check_registry()

    def _show_kind(self, kind: str) -> None:
        update_label(self.query_one("#registry-why", Label), GITLAB_WHY if kind == "gitlab" else _what_it_needs(kind))
        for name in ("image", "host", "region", "account"):
            self.query_one(f"#reg-{name}").query_ancestor(".field-row").display = name in FIELDS[kind]
        auth = self.plan.registry.ecr.auth if kind == self.plan.registry.kind else "oidc"
        self.query_one("#reg-ecr-auth-box").display = kind == "ecr"
        self.query_one("#reg-role_arn").query_ancestor(".field-row").display = kind == "ecr" and auth == "oidc"
        update_label(self.query_one("#reg-ecr-why", Label), ECR_AUTH_WHY[auth])
        button = self.query_one(f"#ecr-auth-{auth}", RadioButton)
        if kind == "ecr" and not button.value:
            press_radio(button)

    async def _rebuild_variables(self, plan: Plan) -> None:
        """One row per variable, found by its key: a row still wanted is kept as it is (with what was typed
        into it and its focus), a row no longer wanted is removed before any new one is mounted."""
        async with self._rows_lock:
            box = self.query_one("#variables", Vertical)
            specs = tuple(s for s in all_variables(plan) if not (ecr_oidc(plan) and s.key == AWS_ROLE_ARN_VAR))
            own = {v.key for v in plan.variables} - {v.key for v in registry_variables(plan)}  # removable
            wanted = {s.key for s in specs}
            rows = {row.spec.key: row for row in box.query_children(VariableRow)
                    if row.spec.key in wanted and row.removable == (row.spec.key in own)}
            shown = [w.spec.key if isinstance(w, VariableRow) else None for w in box.children]
            expected: list[str | None] = [s.key for s in specs] or [None]
            none = (f"No secret to store: {AWS_ROLE_ARN_VAR} (the role above) is created at apply." if ecr_oidc(plan)
                    else "No variables: none are needed for GitLab's registry.")
            if shown == expected and len(rows) == len(specs):
                for label in box.query_children(Label):
                    label.update(none)  # the same line, for the registry now chosen
                return  # as shown (None: the "No variables" line when there are none)
            keep = set(rows.values())
            await box.remove_children([w for w in box.children if w not in keep])
            previous: VariableRow | None = None
            for spec in specs:
                row = rows.get(spec.key)
                if row is None:
                    typed = self.services.secrets.get(spec.key)  # back into its hidden field
                    row = VariableRow(spec, typed.reveal() if typed else "", removable=spec.key in own)
                    await box.mount(row, **({"after": previous} if previous else {"before": 0}))
                elif previous is None:
                    box.move_child(row, before=0)
                else:
                    box.move_child(row, after=previous)
                previous = row
            if not specs:
                await box.mount(Label(none, classes="hint"))

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "reg-ecr-auth":
            auth = (event.pressed.id or "").removeprefix("ecr-auth-")
            if auth != self.plan.registry.ecr.auth and self.plan.registry.kind == "ecr":
                new = switch_ecr_auth(self.plan, auth)
                self.post_message(PlanChanged(None, registry=new.registry, variables=new.variables))
            return
        kind = (event.pressed.id or "").removeprefix("registry-")
        if kind in REGISTRY_KINDS and kind != self.plan.registry.kind:
            self._show_kind(kind)
            new = switch_registry(self.plan, kind)
            self.post_message(PlanChanged(None, registry=new.registry, variables=new.variables))

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if wid == "reg-role_arn":
            ecr = dataclasses.replace(self.plan.registry.ecr, role_arn=event.value.strip())
            self.post_message(PlanChanged("registry", ecr=ecr))
        elif wid.startswith("reg-"):
            self.post_message(PlanChanged("registry", **{wid.removeprefix("reg-"): event.value.strip()}))
        elif wid == "var-new-key":
            key = event.value.strip()
            self._show_new_key_problem(self._new_key_problem(key) if key else None)

    def _new_key_problem(self, key: str) -> str | None:
        if not key:
            return "Type a name first, e.g. APP_SECRET, then press Enter or Add variable."
        return new_key_problem(key, self.plan, [v.key for v in all_variables(self.plan)])

    def _show_new_key_problem(self, problem: str | None) -> None:
        self.query_one("#var-new-problem", Label).update(problem or "")
        self.query_one("#var-new-key", Input).set_class(bool(problem), "-invalid")
        if problem:  # on a short terminal the sentence is below the form's visible part: bring it up
            self.call_after_refresh(self.query_one("#var-new-problem").scroll_visible, animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "var-new-key":
            event.stop()
            self._add_variable()

    def _check_registry(self) -> None:
        from dockwright.wizard.plan import check_plan

        problems = [plan_problem(key, problem, allowed) for key, problem, allowed in check_plan(self.plan)
                    if key.startswith("registry.")]
        self.query_one("#reg-problem", Label).update(problems[0] if problems else "")

    def on_variable_row_changed(self, event: VariableRow.Changed) -> None:
        self.services.secrets[event.spec.key] = Secret(event.value)
        others = tuple(v for v in self.plan.variables if v.key != event.spec.key)
        mine = [v for v in self.plan.variables if v.key == event.spec.key]
        position = self.plan.variables.index(mine[0]) if mine else len(others)
        variables = others[:position] + (event.spec,) + others[position:]
        self.post_message(PlanChanged(None, variables=variables))

    def on_variable_row_removed(self, event: VariableRow.Removed) -> None:
        self.services.secrets.pop(event.key, None)
        self.post_message(PlanChanged(None, variables=tuple(v for v in self.plan.variables if v.key != event.key)))
        self.query_one("#var-new-key", Input).focus()  # not lost with the removed row

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "var-add":
            event.stop()
            self._add_variable()

    def _add_variable(self) -> None:
        field = self.query_one("#var-new-key", Input)
        key = field.value.strip()
        problem = self._new_key_problem(key)
        self._show_new_key_problem(problem)
        if problem:
            return
        field.value = ""
        self.post_message(PlanChanged(None, variables=self.plan.variables + (new_variable(key),)))

    def show_problem_field(self) -> None:
        for row in self.query(VariableRow):  # Next refused because of this row: show it, the cursor in its value
            if row.problem:
                row.query_one(".var-env" if row.spec.from_env else ".var-value", Input).focus(scroll_visible=False)
                self.call_after_refresh(row.query_one(".var-problem").scroll_visible, animate=False)
                return

    def problem(self) -> str | None:
        from dockwright.wizard.plan import check_plan

        for key, problem, allowed in check_plan(self.plan):
            if key.startswith(("registry.", "variables")):
                return plan_problem(key, problem, allowed)
        for row in self.query(VariableRow):
            if row.problem:
                return f"{row.spec.key}: {row.problem}"
        return None
