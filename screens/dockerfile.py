"""Step 6: the Dockerfile's fields; the preview re-renders as you type."""

from __future__ import annotations

import shlex

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Switch

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import FieldInput, MarkedSwitch, field_row
from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.listen_port import follow_port
from dockwright.wizard.names import image_name_problem
from dockwright.wizard.plan import LANGUAGES, STACK_TOOLS, Plan, build_path_problems, replace_in
from dockwright.wizard.stacks import TARGET_LABELS, TITLES, fields, switched, teaching
from dockwright.wizard.stacks.find import folder_changes

# The fields only some stacks use: shown for those, hidden for the others.
_STACK_ROWS = ("requirements", "tool", "target", "runtime_image")


def parse_env(text: str) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """``A=1 B=two`` -> pairs; a sentence when a part is not NAME=value."""
    pairs = []
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        return (), f"ENV could not be read ({exc}); write NAME=value pairs separated by spaces."
    for part in parts:
        name, eq, value = part.partition("=")
        if not eq or not name.replace("_", "a").isalnum() or name[0].isdigit():
            return (), f"ENV part {part!r} is not NAME=value; names use letters, digits and _."
        pairs.append((name, value))
    return tuple(pairs), None


class DockerfileScreen(StepScreen):
    STEP_ID = "dockerfile"

    def compose_form(self) -> ComposeResult:
        yield from field_row("Language", Select([(f"{x} ({TITLES[x]})" if x != TITLES[x].lower() else x, x)
                                                 for x in LANGUAGES], id="df-language", allow_blank=False),
                             "The project's stack: it decides the Dockerfile's stages and the fields below")
        yield Label("", id="df-teaching", classes="hint")
        yield from field_row("Project folder", Select([], id="df-folder", allow_blank=True, prompt="(as set below)"),
                             "This repository holds several projects: the one to build (its folder becomes the "
                             "build context)", row_id="row-folder")
        yield from field_row("Base image", FieldInput(id="df-base_image", placeholder="e.g. python:3.13-slim"))
        yield from field_row("Working directory", FieldInput(id="df-workdir", placeholder="e.g. /app"))
        yield from field_row("Dockerfile", FieldInput(id="df-path", placeholder="e.g. Dockerfile or docker/Dockerfile"),
                             "Where the Dockerfile is; the pipeline builds it with docker build -f")
        yield from field_row("Build context", FieldInput(id="df-context", placeholder="e.g. . (the repository)"),
                             "The folder docker build sends to Docker: what COPY can reach")
        yield from field_row("Requirements file", FieldInput(id="df-requirements", placeholder="e.g. requirements.txt (empty: none)"),
                             row_id="row-requirements")
        yield from field_row("Build tool", FieldInput(id="df-tool", placeholder="e.g. npm (empty: none)"),
                             "Installs the dependencies and builds: the lock file's tool", row_id="row-tool")
        yield from field_row("Build target", FieldInput(id="df-target", placeholder="e.g. ./cmd/server (Go), build (Node.js), dist (static)"), row_id="row-target")
        yield from field_row("Runtime image", FieldInput(id="df-runtime_image",
                                                      placeholder="e.g. gcr.io/distroless/static-debian12:nonroot"),
                             "The final stage's image: it runs the app, without the compilers of the build stage",
                             row_id="row-runtime_image")
        yield from field_row("Port", FieldInput(id="df-port", placeholder="e.g. 8000 (empty: none)", type="integer"))
        yield from field_row("Command", FieldInput(id="df-command", placeholder="e.g. python app.py"))
        yield from field_row("ENV", FieldInput(id="df-env", placeholder="e.g. DEBUG=0 LOG_LEVEL=info (empty: none)"))
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="df-non_root")
            yield Label("Run as an unprivileged user (recommended: a break-out is not root)")
        yield Label("", id="df-problem", classes="problem")

    def _change_port(self, port: int) -> None:
        """The new port, and the command's listening port with it (gunicorn's --bind, uvicorn's --port)."""
        d = self.plan.dockerfile
        command = follow_port(d.command, port)
        if command == d.command:
            self.post_message(PlanChanged("dockerfile", port=port))
            return
        with self.prevent(Input.Changed):
            self.query_one("#df-command", Input).value = shlex.join(command)
        self.post_message(PlanChanged("dockerfile", port=port, command=command))

    def load_plan(self, plan: Plan) -> None:
        d = plan.dockerfile
        values = {
            "df-base_image": d.base_image, "df-workdir": d.workdir, "df-requirements": d.requirements or "",
            "df-port": "" if d.port is None else str(d.port), "df-command": shlex.join(d.command),
            "df-env": " ".join(f"{k}={shlex.quote(v)}" for k, v in d.env),
            "df-path": d.path, "df-context": d.context,
            "df-tool": d.tool or "", "df-target": d.target or "", "df-runtime_image": d.runtime_image or "",
        }
        projects = getattr(self.services.detection, "stacks", ()) or ()
        folder = self.query_one("#df-folder", Select)
        self.query_one("#row-folder").display = len(projects) > 1
        if len(projects) > 1:
            with self.prevent(Select.Changed):
                folder.set_options([(f"{'the root' if f == '.' else f} ({TITLES.get(lang, lang)})", f)
                                    for f, lang in projects])
                if d.context in dict(projects):
                    folder.value = d.context
        shown = fields(d.language)
        for name in _STACK_ROWS:
            self.query_one(f"#row-{name}").display = name in shown
        update_label(self.query_one("#row-target-label", Label), TARGET_LABELS.get(d.language, "Build target"))
        about = self.query_one("#df-teaching", Label)
        update_label(about, teaching(d.language))
        about.display = bool(teaching(d.language))
        with self.prevent(Input.Changed, Select.Changed, Switch.Changed):
            for wid, value in values.items():
                field = self.query_one(f"#{wid}", Input)
                if field.value != value:
                    field.value = value
                field.remove_class("-invalid")
            self.query_one("#df-language", Select).value = d.language
            self.query_one("#df-non_root", Switch).value = d.non_root
        update_label(self.query_one("#df-problem", Label), "")

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if not wid.startswith("df-"):
            return
        name, value = wid.removeprefix("df-"), event.value
        problem = None
        if name == "port":
            if value.strip() == "":
                self.post_message(PlanChanged("dockerfile", port=None))
            elif not value.strip().isdigit() or not 1 <= int(value) <= 65535:
                problem = "Port must be a number from 1 to 65535, or empty when the app listens on none."
            else:
                self._change_port(int(value))
        elif name == "command":
            try:
                parts = tuple(shlex.split(value))
            except ValueError as exc:
                parts, problem = (), f"Command could not be read ({exc}); close the quote."
            if not problem and not parts:
                problem = "Command is empty; write what starts the app, e.g. python app.py."
            if not problem:
                self.post_message(PlanChanged("dockerfile", command=parts))
        elif name == "env":
            pairs, problem = parse_env(value)
            if not problem:
                self.post_message(PlanChanged("dockerfile", env=pairs))
        elif name == "workdir":
            if not value.startswith("/"):
                problem = "Working directory must be an absolute path such as /app."
            else:
                self.post_message(PlanChanged("dockerfile", workdir=value))
        elif name in ("path", "context"):
            d = self.plan.dockerfile
            found = build_path_problems(**{"path": d.path, "context": d.context, name: value.strip()})
            found = [p for p in found if p[0] == f"dockerfile.{name}"]  # the answers file's rule
            label = "Dockerfile" if name == "path" else "Build context"
            if found:
                problem = f"{label} {found[0][1]}: use {found[0][2]}."
            else:
                self.post_message(PlanChanged("dockerfile", **{name: value.strip()}))
        elif name == "tool":
            tools = STACK_TOOLS.get(self.plan.dockerfile.language, ())
            if value.strip() and value.strip() not in tools:
                problem = f"Build tool {value.strip()!r} does not build this stack; use {' or '.join(tools) or 'none'}."
            else:
                self.post_message(PlanChanged("dockerfile", tool=value.strip() or None))
        elif name == "target":
            self.post_message(PlanChanged("dockerfile", target=value.strip() or None))
        elif name == "runtime_image":
            refused = image_name_problem(value.strip(), tag_allowed=True) if value.strip() else None
            if refused:
                problem = f"Runtime image {refused[0]}: use {refused[1]}."
            else:
                self.post_message(PlanChanged("dockerfile", runtime_image=value.strip() or None))
        elif name == "requirements":
            self.post_message(PlanChanged("dockerfile", requirements=value.strip() or None))
        elif name == "base_image":
            refused = image_name_problem(value.strip(), tag_allowed=True)  # the answers file's rule
            if not value.strip():
                problem = "Base image is empty; use a pinned image such as python:3.13-slim."
            elif refused:
                problem = f"Base image {refused[0]}: use {refused[1]}."
            else:
                self.post_message(PlanChanged("dockerfile", base_image=value.strip()))
        if problem:  # the plan keeps the last good value: say so, or a preview of "7000" reads as a bug
            problem += " Until then the preview shows the last accepted value."
        update_label(self.query_one("#df-problem", Label), problem or "")
        event.input.set_class(bool(problem), "-invalid")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value != event.select.value:  # stale: the Select's first value, posted before load_plan set it
            return
        if event.select.id == "df-folder" and isinstance(event.value, str):
            changes = folder_changes(self.services.workdir, event.value)
            self.post_message(PlanChanged("dockerfile", **changes))
            self.load_plan(replace_in(self.plan, "dockerfile", **changes))
        if event.select.id == "df-language" and event.value in LANGUAGES:
            changes = switched(self.plan.dockerfile, str(event.value))
            if changes:  # another stack: its defaults fill the fields, which show what it uses
                self.post_message(PlanChanged("dockerfile", **changes))
                self.load_plan(replace_in(self.plan, "dockerfile", **changes))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "df-non_root":
            self.post_message(PlanChanged("dockerfile", non_root=event.value))

    def problem(self) -> str | None:
        text = str(self.query_one("#df-problem", Label).content)
        return text or None
