"""Programs other than ``docker`` that dockwright's generated jobs run, as the sandbox plays them.

- ``gtcs scan``: the analyzer of GitLab's Container Scanning template (its job runs it in
  ``registry.gitlab.com/security-products/container-scanning``). It pulls ``CS_IMAGE`` (default
  ``$CI_APPLICATION_REPOSITORY:$CI_APPLICATION_TAG``, i.e. ``$CI_REGISTRY_IMAGE/$CI_COMMIT_REF_SLUG:$CI_COMMIT_SHA``)
  with ``CS_REGISTRY_USER``/``CS_REGISTRY_PASSWORD`` (default: the job's registry credentials) and writes
  ``gl-container-scanning-report.json`` and ``gl-dependency-scanning-report.json``. The sandbox checks the pull
  against its own registry (an image that is not there fails the scan, as a missing image does) and, having no
  vulnerability database, writes reports that list none, and says so.

- ``aws`` (AWS CLI v2's exit codes and messages): ``sts assume-role-with-web-identity`` plays an AWS account whose
  IAM has this GitLab as OpenID Connect provider, with the audience GitLab's page sets up (the instance's own
  address, ``CI_SERVER_URL``): a token the sandbox issued to the job (``id_tokens:``) with that audience gets the
  role's short-lived credentials; a token of another audience or issuer, not a JWT, or a role that is not an ARN
  gets STS's own error. ``ecr get-login-password`` needs credentials in the environment (keys, or the ones STS
  gave: then with their session token) and prints a stand-in password; ``docker login`` to ECR is then not
  played (the sandbox reaches only its own registry). Other ``aws`` commands are printed as not executed.

Each is a shell handler (:class:`~dockwright.sandbox.shell_sim.Invocation` -> ``CommandResult``) that
``tool_commands`` builds for one job; files it writes land in the job's workspace (artifacts find them).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import time
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from dockwright.sandbox.ci_id_tokens import claims_of
from dockwright.sandbox.docker_images import InvalidReference, RegistryPort, parse_reference
from dockwright.sandbox.shell_sim import LOG, NOT_EXECUTED, CommandResult, Invocation

CS_REPORT = "gl-container-scanning-report.json"
DS_REPORT = "gl-dependency-scanning-report.json"
CS_SCHEMA_VERSION = "15.0.7"
_ANALYZER = {"id": "gcs", "name": "GitLab Container Scanning", "version": "7.0.0", "vendor": {"name": "GitLab"}}
_SCANNER = {"id": "trivy", "name": "Trivy", "version": "0.57.0", "vendor": {"name": "GitLab"}}


def _report(kind: str, started: str) -> str:
    return json.dumps({
        "version": CS_SCHEMA_VERSION, "vulnerabilities": [], "remediations": [],
        "scan": {"analyzer": _ANALYZER, "scanner": _SCANNER, "type": kind, "start_time": started,
                 "end_time": started, "status": "success"},
    }, indent=2) + "\n"


def _gtcs(inv: Invocation, registry: RegistryPort, files: MutableMapping[str, str]) -> CommandResult:
    env = inv.env
    if inv.argv[1:2] != ["scan"]:
        return CommandResult(1).err("Usage: gtcs scan\n")
    image = env.get("CS_IMAGE") or (
        f"{env.get('CI_APPLICATION_REPOSITORY') or env.get('CI_REGISTRY_IMAGE', '') + '/' + env.get('CI_COMMIT_REF_SLUG', '')}"
        f":{env.get('CI_APPLICATION_TAG') or env.get('CI_COMMIT_SHA', '')}")
    out = CommandResult()
    out.out(f"[INFO] [container-scanning] \u25b6 Scanning container from registry {image} for vulnerabilities\n")
    try:
        ref = parse_reference(image)
    except InvalidReference as exc:
        out.code = 1
        return out.err(f"[FATA] [container-scanning] \u25b6 Invalid image reference {image!r}: {exc}\n")
    if ref.domain == registry.host:
        user = env.get("CS_REGISTRY_USER") or env.get("CI_REGISTRY_USER", "")
        password = env.get("CS_REGISTRY_PASSWORD") or env.get("CI_REGISTRY_PASSWORD", "")
        if not registry.authenticate(user, password):
            out.code = 1
            return out.err(f"[FATA] [container-scanning] \u25b6 Failed to pull {image}: unauthorized: HTTP Basic: "
                           "Access denied\n")
        if not registry.has(ref.path, ref.tag or "latest"):
            out.code = 1
            return out.err(f"[FATA] [container-scanning] \u25b6 Failed to pull {image}: manifest unknown: "
                           "the image is not in the registry (was it pushed in an earlier stage?)\n")
    else:
        out.chunks.append((LOG, f"[sandbox] gtcs: {ref.domain} is not the sandbox's registry; the image is not "
                                "pulled\n"))
    out.chunks.append((LOG, "[sandbox] gtcs: the sandbox has no vulnerability database; the reports list no "
                            "vulnerabilities\n"))
    started = env.get("CI_JOB_STARTED_AT", "") or "1970-01-01T00:00:00"
    for name, kind in ((CS_REPORT, "container_scanning"), (DS_REPORT, "dependency_scanning")):
        files[posixpath.join(inv.cwd, name)] = _report(kind, started)
    return out.out(f"[INFO] [container-scanning] \u25b6 Scanning finished: 0 vulnerabilities; report written to "
                   f"{CS_REPORT}\n")


_STS_CALL = "An error occurred ({code}) when calling the AssumeRoleWithWebIdentity operation: {message}\n"
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}")
_CREDENTIALS_QUERY = "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]"


def _options(args: list[str], command: str) -> tuple[dict[str, str], CommandResult | None]:
    """``--name value`` pairs, or the CLI's own usage error (a flag whose value is missing)."""
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        name = args[i]
        if not name.startswith("--"):
            return out, CommandResult(252).err(f"\naws: error: unrecognized arguments: {name}\n")
        if i + 1 >= len(args) or args[i + 1].startswith("--"):
            return out, CommandResult(252).err(f"\naws: error: argument {name}: expected one argument\n")
        out[name[2:]] = args[i + 1]
        i += 2
    return out, None


def _assume_role(args: list[str], env: Mapping[str, str]) -> CommandResult:
    opts, usage = _options(args, "assume-role-with-web-identity")
    if usage is not None:
        return usage
    missing = [f"--{k}" for k in ("role-arn", "role-session-name", "web-identity-token") if k not in opts]
    if missing:
        return CommandResult(252).err(f"\naws: error: the following arguments are required: {', '.join(missing)}\n")
    token, session = opts["web-identity-token"], opts["role-session-name"]
    invalid = [f"Invalid length for parameter {name}, value: {len(value)}, valid min length: {least}"
               for name, value, least in (("RoleSessionName", session, 2), ("WebIdentityToken", token, 4))
               if len(value) < least]
    if invalid:
        return CommandResult(252).err("\nParameter validation failed:\n" + "\n".join(invalid) + "\n")
    role = _ROLE_ARN.fullmatch(opts["role-arn"])
    if role is None:
        return CommandResult(254).err(_STS_CALL.format(code="ValidationError", message="Request ARN is invalid"))
    claims = claims_of(token)
    if claims is None:
        return CommandResult(254).err(_STS_CALL.format(code="InvalidIdentityToken", message=(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")))
    provider = env.get("CI_SERVER_URL", "").rstrip("/")
    if str(claims.get("iss", "")).rstrip("/") != provider:
        return CommandResult(254).err(_STS_CALL.format(
            code="InvalidIdentityToken", message=f"No OpenIDConnect provider found in your account for {claims.get('iss')}"))
    aud = claims.get("aud")
    audiences: list[Any] = aud if isinstance(aud, list) else [aud]
    if provider not in [str(a).rstrip("/") for a in audiences]:
        return CommandResult(254).err(_STS_CALL.format(code="InvalidIdentityToken", message="Incorrect token audience"))
    if int(claims.get("exp", 0)) < time.time():
        return CommandResult(254).err(_STS_CALL.format(code="ExpiredTokenException", message=(
            f"Token expired: current date/time {int(time.time())} must be before the expiration date/time "
            f"{claims.get('exp')}")))
    key = "ASIA" + hashlib.sha256(token.encode()).hexdigest()[:16].upper()
    secret = hashlib.sha256(b"secret" + token.encode()).hexdigest()[:40]
    session_token = "IQoJb3JpZ2luX2Vj" + hashlib.sha256(b"session" + token.encode()).hexdigest()
    out = CommandResult()
    out.chunks.append((LOG, f"[sandbox] aws sts: the sandbox's AWS account trusts this GitLab ({provider}) as OIDC "
                            f"provider; role {opts['role-arn']} assumed for {claims.get('sub')}\n"))
    if opts.get("query") == _CREDENTIALS_QUERY and opts.get("output") == "text":
        return out.out(f"{key}\t{secret}\t{session_token}\n")
    return out.out(json.dumps({"Credentials": {"AccessKeyId": key, "SecretAccessKey": secret,
                                               "SessionToken": session_token, "Expiration": "in one hour"},
                               "SubjectFromWebIdentityToken": claims.get("sub"),
                               "AssumedRoleUser": {"Arn": f"arn:aws:sts::{role.group(1)}:assumed-role/"
                                                          f"{opts['role-arn'].rpartition('/')[2]}/{session}"},
                               "Provider": provider, "Audience": provider}, indent=4) + "\n")


def _ecr_password(args: list[str], env: Mapping[str, str]) -> CommandResult:
    opts, usage = _options(args, "get-login-password")
    if usage is not None:
        return usage
    if not (opts.get("region") or env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION")):
        return CommandResult(253).err('\nYou must specify a region. You can also configure your region by running '
                                      '"aws configure".\n')
    key, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret:
        return CommandResult(253).err('\nUnable to locate credentials. You can configure credentials by running '
                                      '"aws configure".\n')
    if key.startswith("ASIA") and not env.get("AWS_SESSION_TOKEN"):
        return CommandResult(254).err("\nAn error occurred (UnrecognizedClientException) when calling the "
                                      "GetAuthorizationToken operation: The security token included in the request "
                                      "is invalid.\n")
    return CommandResult().out("eyJwYXlsb2FkIjoi" + hashlib.sha256((key + secret).encode()).hexdigest() + "\n")


def _aws(inv: Invocation) -> CommandResult:
    args = inv.argv[1:]
    if args[:2] == ["sts", "assume-role-with-web-identity"]:
        return _assume_role(args[2:], inv.env)
    if args[:2] == ["ecr", "get-login-password"]:
        return _ecr_password(args[2:], inv.env)
    out = CommandResult()
    out.chunks.append((LOG, f"{NOT_EXECUTED}{' '.join(inv.argv)}\n"))
    return out


def tool_commands(registry: RegistryPort, files: Callable[[], MutableMapping[str, str]]
                  ) -> dict[str, Callable[[Invocation], CommandResult]]:
    """The handlers for one job: ``files()`` gives the job's workspace (the shells' shared ``files``)."""
    return {"gtcs": lambda inv: _gtcs(inv, registry, files()), "aws": _aws}
