"""A job's ``artifacts:`` as the sandbox plays it: ``paths`` (and ``exclude``), ``reports:junit``, ``when``,
``expire_in``, ``name``; the other keys GitLab knows are accepted (``expose_as``, ``public``, ``access``,
``untracked``) and report types other than ``junit`` are accepted and not played (the job's log says so).

``collect(files, patterns)`` picks the workspace files a list of artifact paths matches, with the runner's
rules: a path is relative to the project directory, a directory takes everything under it, ``*`` and ``?``
stay within one folder and ``**`` crosses folders (doublestar, as gitlab-runner uses).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dockwright.sandbox.ci_yaml import CiYamlError

ARTIFACT_KEYS = frozenset({"paths", "exclude", "expire_in", "expose_as", "name", "public", "access", "reports",
                           "untracked", "when"})
# artifacts:reports types in GitLab's CI schema; only junit is played
REPORT_TYPES = frozenset({"junit", "accessibility", "annotations", "api_fuzzing", "browser_performance",
                          "coverage_report", "codequality", "container_scanning", "coverage_fuzzing", "cyclonedx",
                          "dast", "dependency_scanning", "dotenv", "load_performance", "metrics", "requirements",
                          "repository_xray", "sast", "secret_detection", "terraform"})
WHEN_VALUES = ("on_success", "on_failure", "always")
DEFAULT_EXPIRE_IN = "30 days"  # GitLab's instance default (Admin > Settings > CI/CD > Default artifacts expiration)


@dataclass(frozen=True)
class CiArtifacts:
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    junit: tuple[str, ...] = ()
    when: str = "on_success"
    expire_in: str | None = None
    name: str | None = None
    unplayed_reports: tuple[str, ...] = ()  # report types accepted and not played


def _strings(value: object, message: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CiYamlError(message)


def parse_artifacts(value: object, where: str) -> CiArtifacts:
    """``artifacts:`` of a job (``where`` is ``jobs:<name>``) or of ``default:``, with GitLab's messages."""
    if not isinstance(value, dict):
        raise CiYamlError(f"{where}:artifacts config should be a hash")
    unknown = [str(k) for k in value if k not in ARTIFACT_KEYS]
    if unknown:
        raise CiYamlError(f"{where}:artifacts config contains unknown keys: {', '.join(unknown)}")
    paths = _strings(value.get("paths", []), f"{where}:artifacts paths should be an array of strings")
    exclude = _strings(value.get("exclude", []), f"{where}:artifacts exclude should be an array of strings")
    when = value.get("when", "on_success")
    if when not in WHEN_VALUES:
        raise CiYamlError(f"{where}:artifacts when should be on_success, on_failure or always")
    expire_in = value.get("expire_in")
    if expire_in is not None and not isinstance(expire_in, str):
        raise CiYamlError(f"{where}:artifacts expire in should be a duration")
    if isinstance(expire_in, str) and expire_in != "never" and parse_duration(expire_in) is None:
        raise CiYamlError(f"{where}:artifacts expire in should be a duration")
    name = value.get("name")
    if name is not None and not isinstance(name, str):
        raise CiYamlError(f"{where}:artifacts name should be a string")
    reports = value.get("reports", {})
    if not isinstance(reports, dict):
        raise CiYamlError(f"{where}:artifacts:reports config should be a hash")
    unknown = [str(k) for k in reports if k not in REPORT_TYPES]
    if unknown:
        raise CiYamlError(f"{where}:artifacts:reports config contains unknown keys: {', '.join(unknown)}")
    junit = _strings(reports.get("junit", []), f"{where}:artifacts:reports junit should be an array of strings "
                                               "or a string")
    others = tuple(str(k) for k in reports if k != "junit")
    return CiArtifacts(paths=paths, exclude=exclude, junit=junit, when=when, expire_in=expire_in, name=name,
                       unplayed_reports=others)


_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hr": 3600, "hour": 3600,
          "d": 86400, "day": 86400, "w": 604800, "wk": 604800, "week": 604800, "mo": 2592000, "month": 2592000,
          "y": 31536000, "yr": 31536000, "year": 31536000}


def parse_duration(text: str) -> int | None:
    """Seconds in a duration as ChronicDuration reads ``expire_in`` (``42``, ``3 mins 4 sec``, ``2 hrs 20 min``,
    ``1 week``, ``1 day``); None when it cannot be read."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    total, pos = 0, 0
    pattern = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\b\s*(?:and\b|,)?")
    while pos < len(text):
        m = pattern.match(text, pos)
        if m is None or m.group(2) not in _UNITS:
            return None
        total += int(float(m.group(1)) * _UNITS[m.group(2)])
        pos = m.end()
    return total or None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "(?:/.*)?")  # a matching directory takes everything under it


def _relative(pattern: str, project_dir: str) -> str:
    pattern = pattern.strip()
    if pattern.startswith(project_dir + "/"):
        pattern = pattern[len(project_dir) + 1:]
    return posixpath.normpath(pattern.removeprefix("./")).lstrip("/") if pattern not in ("", ".") else ""


def collect(files: Iterable[str], patterns: Iterable[str], *, exclude: Iterable[str] = (),
            project_dir: str = "") -> dict[str, list[str]]:
    """For each pattern, the files (relative to the project directory) it matches, in sorted order."""
    names = sorted(set(files))
    excluded = [_glob_regex(_relative(p, project_dir)) for p in exclude]
    out: dict[str, list[str]] = {}
    for pattern in patterns:
        rel = _relative(pattern, project_dir)
        regex = _glob_regex(rel) if rel else re.compile(".*")
        out[pattern] = [n for n in names if regex.fullmatch(n) and not any(x.fullmatch(n) for x in excluded)]
    return out


def workspace_files(written: Mapping[str, str], repository: Iterable[str], project_dir: str) -> dict[str, str | None]:
    """The job's project directory: the repository's files (None: read from the commit when needed) and the
    files its scripts wrote (their text), keyed by their path relative to the project directory."""
    out: dict[str, str | None] = dict.fromkeys(repository)
    prefix = project_dir.rstrip("/") + "/"
    for path, text in written.items():
        if path.startswith(prefix):
            out[path[len(prefix):]] = text
    return out
