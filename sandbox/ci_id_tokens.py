"""A job's ``id_tokens:`` as the sandbox's GitLab issues them: one JWT per name, in a variable of that name.

GitLab (doc/ci/secrets/id_token_authentication.md) signs each token with the instance's key (RS256); its
claims name the instance (``iss``), the audience the job asked for (``aud``, CI/CD variables expanded), the
project, ref and pipeline, and ``sub`` = ``project_path:<path>:ref_type:<branch|tag>:ref:<ref>``. The sandbox
signs with a key of its own (HS256: nobody outside verifies it) and keeps the claims; the AWS the sandbox plays
(sandbox/tools_sim.py) reads them as STS would. The token is masked in the job log like a masked variable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from dockwright.sandbox.ci_yaml import CiYamlError

_KEY = secrets.token_bytes(32)
LIFETIME = 3600 + 300  # GitLab: the job's timeout (1 h by default) plus 5 minutes


def parse_id_tokens(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``id_tokens:`` as (name, audiences) pairs, with GitLab's messages for a bad shape."""
    if not isinstance(value, dict):
        raise CiYamlError(f"{where}:id_tokens config should be a hash")
    out = []
    for name, token in value.items():
        if not isinstance(token, dict) or "aud" not in token:
            raise CiYamlError(f"{where}:id_tokens:{name} config missing required keys: aud")
        extra = [str(k) for k in token if k != "aud"]
        if extra:
            raise CiYamlError(f"{where}:id_tokens:{name} config contains unknown keys: {', '.join(extra)}")
        aud = token["aud"]
        auds = (aud,) if isinstance(aud, str) else tuple(aud) if isinstance(aud, list) else None
        if not auds or not all(isinstance(a, str) for a in auds):
            raise CiYamlError(f"{where}:id_tokens:{name}:aud config should be an array of strings or a string")
        out.append((str(name), auds))
    return tuple(out)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(audiences: tuple[str, ...], env: Mapping[str, str], *, now: float | None = None) -> str:
    """One ID token for a job whose predefined variables are ``env`` (audiences already expanded)."""
    issued = int(now if now is not None else time.time())
    ref_type = "tag" if env.get("CI_COMMIT_TAG") else "branch"
    path = env.get("CI_PROJECT_PATH", "")
    claims = {
        "namespace_path": path.rpartition("/")[0], "project_path": path, "project_id": env.get("CI_PROJECT_ID", ""),
        "user_login": env.get("GITLAB_USER_LOGIN", ""), "pipeline_id": env.get("CI_PIPELINE_ID", ""),
        "pipeline_source": env.get("CI_PIPELINE_SOURCE", ""), "job_id": env.get("CI_JOB_ID", ""),
        "ref": env.get("CI_COMMIT_REF_NAME", ""), "ref_type": ref_type,
        "ref_protected": env.get("CI_COMMIT_REF_PROTECTED", "false"),
        "runner_environment": "self-hosted", "jti": secrets.token_hex(16),
        "iss": env.get("CI_SERVER_URL", ""), "iat": issued, "nbf": issued - 5, "exp": issued + LIFETIME,
        "sub": f"project_path:{path}:ref_type:{ref_type}:ref:{env.get('CI_COMMIT_REF_NAME', '')}",
        "aud": audiences[0] if len(audiences) == 1 else list(audiences),
    }
    head = _b64(json.dumps({"alg": "HS256", "kid": "sandbox", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = _b64(hmac.new(_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def claims_of(token: str) -> dict[str, Any] | None:
    """The claims of a token shaped as a JWT (three base64url parts, JSON claims), else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def job_id_tokens(id_tokens: tuple[tuple[str, tuple[str, ...]], ...], env: Mapping[str, str]) -> dict[str, str]:
    """The variables a job's ``id_tokens:`` give it (name -> token), audiences expanded with ``env``."""
    def expand(text: str) -> str:
        return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m.group(1) or m.group(2), ""), text)

    return {name: mint(tuple(expand(a) for a in auds), env) for name, auds in id_tokens}
