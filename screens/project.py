"""Step 2: what detection found in this repository and what that means for the Dockerfile."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label

from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import file_paths, is_generated


class ProjectScreen(StepScreen):
    STEP_ID = "project"

    def compose_form(self) -> ComposeResult:
        yield Label("", id="project-where")
        yield Label("What dockwright found here", classes="section")
        yield Label("", id="project-findings")
        yield Label("Change the Dockerfile's details on the Dockerfile step; the preview shows the result.",
                    classes="hint")

    def load_plan(self, plan: Plan) -> None:
        practice = ("\n(a practice clone of the sandbox's demo project, kept between runs; the folder you started "
                    "in is not touched; `dockwright --sandbox --demo node` practises on another stack)") \
            if self.services.sandbox else ""
        update_label(self.query_one("#project-where", Label),
                     f"Folder {self.services.workdir}{practice}\nGitLab project {plan.gitlab.project or '(not set: go Back)'}"
                     f" on {plan.gitlab.url}")
        update_label(self.query_one("#project-findings", Label), self.findings(plan))

    def findings(self, plan: Plan) -> str:
        lines: list[str] = []
        detection = self.services.detection
        for note in getattr(detection, "notes", ()) or ():
            lines.append(f"• {note}")
        d = plan.dockerfile
        lines.append(f"• So the image is {d.language} on {d.base_image}, listening on "
                     f"{d.port if d.port is not None else 'no port'}, started with `{' '.join(d.command)}`.")
        for kind, name in file_paths(plan).items():  # where the plan writes them (dockerfile.path, context)
            path = self.services.workdir / name
            if kind == "Dockerfile" and path.is_file() and not is_generated(path.read_text(errors="replace")):
                lines.append(f"• {name} exists and was not written by dockwright: dockwright will not replace it "
                             "unless you turn on Replace on the Review step (yours is then kept as "
                             f"{path.name}.orig, not committed), or move it away.")
            elif path.is_file():
                lines.append(f"• {name} exists: dockwright merges into it and shows the diff before writing.")
            else:
                lines.append(f"• {name} is not there yet: dockwright creates it.")
        return "\n".join(lines)
