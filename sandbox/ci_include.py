"""Top-level ``include:`` as the sandbox's GitLab reads it: ``include: template:`` for the GitLab templates
dockwright generates, merged as GitLab merges them; every other include refused.

GitLab (lib/gitlab/ci/config/external/) fetches each included file, then merges: the included files first, in
order, and the project's own ``.gitlab-ci.yml`` over them (a hash merges key by key, deeply, so a job written in
both keeps the template's keys and takes the file's; any other value is replaced). dockwright's Container
Scanning block relies on exactly that: it names the template and sets only ``stage``, ``tags`` and
``CS_IMAGE`` on the template's ``container_scanning`` job.

The sandbox holds its own version of each such template (:data:`TEMPLATES`): the real template's job, keys and
names, minus what the sandbox cannot play (the FIPS rule's ``rules:variables``), and ``gtcs scan`` is played by
:mod:`dockwright.sandbox.tools_sim`. An unknown template gets GitLab's own error; ``local:``, ``remote:``,
``project:``, ``component:`` and ``artifact:`` includes are refused as not supported in the sandbox.
"""

from __future__ import annotations

import json
from typing import Any

from dockwright.sandbox.ci_yaml import CiYamlError, load_ci_yaml

SUFFIX = ".gitlab-ci.yml"
# GitLab's Mapper::Matcher subkeys, in its order
SUBKEYS = ("local", "project", "remote", "template", "artifact", "component")

# GitLab's lib/gitlab/ci/templates/Jobs/Container-Scanning.gitlab-ci.yml, as the sandbox plays it: the same
# variables, job name, image, artifacts and rules, without the FIPS rule (its rules:variables is not played).
CONTAINER_SCANNING = """\
variables:
  CS_ANALYZER_IMAGE: "$CI_TEMPLATE_REGISTRY_HOST/security-products/container-scanning:5"
  CS_SCHEMA_MODEL: 15

container_scanning:
  image: "$CS_ANALYZER_IMAGE$CS_IMAGE_SUFFIX"
  stage: test
  variables:
    GIT_STRATEGY: none
  allow_failure: true
  artifacts:
    reports:
      container_scanning: gl-container-scanning-report.json
      dependency_scanning: gl-dependency-scanning-report.json
    paths: [gl-container-scanning-report.json, gl-dependency-scanning-report.json]
  dependencies: []
  script:
    - gtcs scan
  rules:
    - if: $CONTAINER_SCANNING_DISABLED
      when: never
    - if: $CI_COMMIT_BRANCH
"""

TEMPLATES: dict[str, str] = {"Jobs/Container-Scanning.gitlab-ci.yml": CONTAINER_SCANNING}


def _fail(message: str, note: str = "") -> CiYamlError:
    return CiYamlError(message, note=note)


def _entries(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value]


def _template(entry: dict[str, Any]) -> dict[str, Any]:
    location = entry["template"]
    if not isinstance(location, str):
        raise _fail(f"Included file `{location}` needs to be a string")
    if not location.endswith(SUFFIX):
        raise _fail(f"Template file `{location}` is not a valid location!")
    text = TEMPLATES.get(location)
    if text is None:
        raise _fail(f"Included file `{location}` is empty or does not exist!",
                    "The sandbox holds only the GitLab templates dockwright generates: " + ", ".join(sorted(TEMPLATES)))
    content = load_ci_yaml(text)
    assert isinstance(content, dict), location
    return content


def _one(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        raise _fail("include config is not supported in the sandbox",
                    f"`include: {entry}` names a file of this repository or a URL; the sandbox plays "
                    "`include: - template:` for GitLab's Container Scanning template only. Put the jobs in "
                    ".gitlab-ci.yml to practise here.")
    if not isinstance(entry, dict):
        raise _fail("include config should be an array or a string")
    matching = [k for k in SUBKEYS if k in entry]
    if not matching:
        raise _fail(f"`{json.dumps(entry, separators=(',', ':'))}` does not have a valid subkey for include. "
                    f"Valid subkeys are: `{'`, `'.join(SUBKEYS)}`")
    if len(matching) > 1:
        raise _fail(f"Each include must use only one of: `{'`, `'.join(SUBKEYS)}`")
    if matching[0] != "template":
        raise _fail("include config is not supported in the sandbox",
                    f"GitLab knows `include: {matching[0]}:`; the sandbox plays `include: - template:` for GitLab's "
                    "Container Scanning template only. Put the jobs in .gitlab-ci.yml to practise here.")
    return _template(entry)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` merged in as GitLab's Hash#deep_merge does: hashes key by key, the rest replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def expand_includes(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its top-level ``include:`` resolved (removed, and its files merged under it)."""
    if "include" not in doc:
        return doc
    merged: dict[str, Any] = {}
    for entry in _entries(doc["include"]):
        merged = deep_merge(merged, _one(entry))
    return deep_merge(merged, {k: v for k, v in doc.items() if k != "include"})
