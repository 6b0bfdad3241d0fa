"""What the wizard does when it hits a bug: keep the answers, log the traceback without secrets, say both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.crash import stamped, write_crash_log
from dockwright.wizard.render.registry import all_variables


def known_secrets(app: Any) -> list[str]:
    """Every secret value the wizard holds: the GitLab token, the runner registration token, the CI/CD
    variable values typed in, and those it would read from the environment at apply."""
    services = app.services
    held = [services.token, services.registration_token, *services.secrets.values()]
    found = [secret.reveal() for secret in held if secret is not None]
    try:
        found += [os.environ.get(spec.from_env, "") for spec in all_variables(app.plan) if spec.from_env]
    except Exception:  # noqa: BLE001  (a broken plan: every name that could be one is scrubbed instead)
        found += [value for name, value in os.environ.items() if any(w in name for w in ("TOKEN", "SECRET", "PASS", "KEY"))]
    return found


def save_what_was_answered(app: Any) -> str:
    """Save the answers file, or else a recovery file; the part of the sentence that says where they are."""
    if not app.answers_changed:
        return "you had not changed any answer since the start or the last save"
    try:
        save_answers(app.plan, app.answers_path)
        again = app.again[0].lower() + app.again[1:]
        return f"your answers are saved in {app.answers_path} ({again} starts from them)"
    except Exception as first:  # noqa: BLE001  (whatever it is, the recovery file is the next try)
        recovery = stamped("answers", ".yml")
        try:
            recovery.parent.mkdir(parents=True, exist_ok=True)
            save_answers(app.plan, recovery)
        except Exception as second:  # noqa: BLE001
            return (f"your answers could not be saved ({type(first).__name__} for {app.answers_path}, "
                    f"{type(second).__name__} for {recovery})")
        return (f"your answers could not be written to {app.answers_path} ({type(first).__name__}), so they are "
                f"saved in {recovery} (dockwright --answers {recovery} starts from them)")


def record_crash(app: Any, error: BaseException) -> str:
    """Save the answers, write the traceback log, and return the one sentence to print on exit."""
    try:
        where = save_what_was_answered(app)
    except Exception as exc:  # noqa: BLE001  (the plan itself may be what is broken)
        where = f"your answers could not be saved ({type(exc).__name__})"
    try:
        log: Path | str = write_crash_log(error, known_secrets(app), context=f"step shown: {app.current_step}")
        report = f"the full traceback is in {log} (no tokens or secret values in it): please attach it to a bug report"
    except Exception as exc:  # noqa: BLE001
        report = f"the traceback could not be written either ({type(exc).__name__}: {exc})"
    return (f"dockwright stopped on an unexpected error ({type(error).__name__}), a bug in dockwright; "
            f"{where}; {report}.")
