""".gitlab-ci.yml read as GitLab reads it, before the sandbox looks at what it says: the YAML loader
(Ruby Psych's rules: the last of two equal keys wins, a plain ``:name`` key is the symbol ``name``), the
error GitLab reports for an invalid file, and which of GitLab's CI keywords the sandbox accepts without
playing them or refuses (sandbox/ci_config.py applies them)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode


class CiYamlError(ValueError):
    """The pipeline's configuration is invalid; ``str(err)`` is GitLab's message.

    ``errors`` lists every message found (GitLab shows them all; the first is ``str(err)``).
    ``note`` is a sandbox-only remark (for example that GitLab itself would accept a keyword).
    """

    def __init__(self, message: str, *, errors: tuple[str, ...] = (), note: str = "") -> None:
        super().__init__(message)
        self.errors = errors or (message,)
        self.note = note


def _fail(message: str, note: str = "") -> CiYamlError:
    return CiYamlError(message, note=note)


# GitLab's job keywords (the job_template of its CI schema, app/assets/javascripts/editor/schema/ci.json)
# that the sandbox accepts without playing them: the job runs as if they were absent, and its log says why.
IGNORED_JOB_KEYS: dict[str, str] = {
    "cache": "the sandbox keeps no cache between jobs",
    "coverage": "the sandbox reads no coverage from the log",
    "dependencies": "the sandbox keeps artifacts for the API, and later jobs download none",
    "environment": "the sandbox has no environments or deployments",
    "interruptible": "the sandbox does not auto-cancel redundant pipelines",
    "retry": "the sandbox does not retry a failed job by itself",
    "timeout": "the sandbox plays every job in about --job-seconds",
    "resource_group": "the sandbox does not serialise jobs by resource group",
    "secrets": "the sandbox has no external secrets provider: these secrets are not set",
    "hooks": "the sandbox runs no hooks",
    "identity": "the sandbox has no cloud identity federation",
    "release": "the sandbox creates no releases",
    "manual_confirmation": "the sandbox asks for no confirmation",
    "pages": "the sandbox publishes no GitLab Pages",
    "publish": "the sandbox publishes no GitLab Pages",
    "dast_configuration": "the sandbox runs no DAST",
}
# GitLab's job keywords the sandbox cannot leave out without changing which jobs run or what they run.
REFUSED_JOB_KEYS: dict[str, str] = {
    "extends": "Write the job's keys out in the job (YAML anchors and <<: merges work).",
    "only": "Use rules: (if/exists/when) instead.",
    "except": "Use rules: (if/exists/when) instead.",
    "parallel": "Write each parallel job out as its own job.",
    "inherit": "The sandbox always inherits default: and variables:.",
    "run": "Use script: (CI steps are not played).",
    "inputs": "Write the values into the job.",
    "start_in": "The sandbox plays on_success, manual and always.",
}
GITLAB_JOB_KEYWORDS = frozenset(IGNORED_JOB_KEYS) | frozenset(REFUSED_JOB_KEYS) | {"trigger", "artifacts", "id_tokens"}
IGNORED_DEFAULT_KEYS = frozenset({"cache", "hooks", "id_tokens", "identity", "interruptible",
                                   "retry", "timeout"})
# image:/services: keys that change nothing the sandbox simulates
IGNORED_IMAGE_KEYS = frozenset({"pull_policy", "docker", "kubernetes"})


class _LastKeyWins(SafeConstructor):
    """A key written twice keeps its last value, as GitLab's YAML parser (Ruby's Psych) does; a plain key
    written as a Ruby symbol (``:test_job:``, ``:"two words":``) is read as GitLab's loader reads it: Psych
    makes it a Symbol and GitLab symbolizes every key, so ``:test_job`` and ``test_job`` are the same key."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            done = self.__dict__.setdefault("_symbolized", set())  # an aliased key node is met again: once
            for key_node, _value in node.value:
                if (isinstance(key_node, ScalarNode) and key_node.style is None and key_node.tag == _STR_TAG
                        and id(key_node) not in done):
                    key_node.value = _symbol_name(key_node.value)
                    done.add(id(key_node))
        return super().construct_mapping(node, deep=deep)

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key in mapping:
            del mapping[key]
        return True


_STR_TAG = "tag:yaml.org,2002:str"
_QUOTED_SYMBOL = re.compile(r"""\A:(["'])(.*)\1""", re.DOTALL)


def _symbol_name(text: str) -> str:
    """Psych's ScalarScanner: a plain scalar ``:name`` (or ``:"name"``) is the Symbol ``name``."""
    if len(text) < 2 or not text.startswith(":"):
        return text
    quoted = _QUOTED_SYMBOL.match(text)
    if quoted:
        return quoted.group(2).removeprefix(":")
    return text[1:]


def load_ci_yaml(text: str) -> Any:
    """The document as GitLab's loader sees it (last duplicate key wins, symbol keys symbolized), or
    CiYamlError with Psych's wording."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _LastKeyWins
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.problem, exc.context) if p]
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise _fail(f"(<unknown>): {' '.join(parts) or 'invalid YAML'}{where}") from None
    except YAMLError as exc:
        raise _fail(f"(<unknown>): {exc}") from None
