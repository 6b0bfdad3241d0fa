"""Where the GitLab URL and the token come from, and the :class:`Secret` that keeps a token out of sight.

URL, first found wins: ``--url`` flag > the plan's ``gitlab.url`` > ``GITLAB_HOST`` > ``CI_SERVER_URL``
> the project's git remote (ranked like glab: upstream > gitlab > origin > others).

Token, first found wins: ``--token-env NAME`` > ``GITLAB_TOKEN`` > a python-gitlab config section whose
``url`` matches (``PYTHON_GITLAB_CFG``, ``~/.python-gitlab.cfg``, ``~/.config/python-gitlab.cfg``) > glab's
``config.yml`` (``hosts.<host>.token``; ``GLAB_CONFIG_DIR`` or ``~/.config/glab-cli``) > a prompt given by
the caller (it must not echo).

Every function returns a ``source``: a sentence fragment such as "GITLAB_TOKEN environment variable" that
says where the value came from. A source never contains the token.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dockwright.wizard.errors import BadInput
from dockwright.wizard.secret_text import remember, shown

DEFAULT_GITLAB_URL = "https://gitlab.com"
MAX_TOKEN_LENGTH = 1024  # GitLab's tokens are under 100 characters; far longer is a paste of something else


class Secret:
    """A value that must never be shown: ``repr``/``str``/f-strings give ``****``; ``.reveal()`` gives it.

    Use ``reveal()`` only at the one place the value leaves dockwright (an HTTP header, a child's
    environment), never to build a message.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("Secret holds a string")
        self._value = value
        remember(value)  # any message or traceback that would show it shows **** instead

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    def __str__(self) -> str:
        return "****"

    def __format__(self, spec: str) -> str:
        return "****"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            import hmac  # here, as configparser below: neither is needed before the wizard's first frame (~5 ms)

            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # pickling would write the value somewhere
        raise TypeError("a Secret cannot be pickled")


# --------------------------------------------------------------------------------------------
# URL
# --------------------------------------------------------------------------------------------

URL_NEXT_STEP = ("Give it as https://gitlab.example.com, the address you open GitLab at (http://127.0.0.1:PORT "
                 "for a local sandbox).")
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def url_problem(url: str) -> str | None:
    """None when ``url`` can be a GitLab address, else what is wrong with it, as words that follow
    "The GitLab URL ...". One rule for --url, the answers file's gitlab.url, GITLAB_HOST, CI_SERVER_URL and
    the wizard's URL field. The words never repeat a user name or password found in the URL.
    """
    text = url.strip()
    if not text:
        return "is empty"
    for chars, name in (("\r\n\x85\u2028\u2029", "a line break"), ("\t", "a tab"), (" ", "a space")):
        if any(c in text for c in chars):
            return f"has {name} in it"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "has a control character in it"
    if any(c.isspace() for c in text):
        return "has a space in it"
    if "\\" in text:
        return "has a backslash in it, and web addresses use / (https://gitlab.example.com)"
    if "://" not in text:
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", text):
            return "does not start with https:// (or http:// for a local GitLab)"
        text = "https://" + text  # a bare host name such as gitlab.example.com
    try:
        parts = urlsplit(text)
    except ValueError:
        return "cannot be read as a web address (an IPv6 address needs its closing ], e.g. http://[::1]:8080)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"starts with {parts.scheme}:// where GitLab needs https:// (or http:// for a local one)"
    if "@" in parts.netloc:
        return ("has a user name or password in it (user:...@host): written there, a token ends up in "
                "dockwright.yml, git remotes and config.toml; give the token with GITLAB_TOKEN or --token-env NAME")
    netloc = parts.netloc
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        if rest and not rest.startswith(":"):
            return "has something after its IPv6 address that is not a :port"
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_or_empty = netloc.partition(":")
        port_text = port_text_or_empty if colon else None
    if not host:
        return "has no host name"
    odd = sorted({c for c in host if c.isascii() and not (c.isalnum() or c in ".-_:")})
    if odd:
        return f"has {' '.join(repr(c) for c in odd[:3])} in its host name"
    if port_text is not None:
        if not (port_text.isascii() and port_text.isdigit()):
            return "has a port that is not a number written with the digits 0-9"
        if not 1 <= int(port_text) <= 65535:
            return f"has the port {int(port_text)}, and ports go from 1 to 65535"
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        return "has a ?query or #fragment; give only the address you open GitLab at"
    if re.search(r"/api/v\d+/*$", parts.path):
        return "ends with GitLab's API path (/api/v4); give the address you open GitLab at, without it"
    return None


def normalize_url(url: str, what: str = "GitLab URL") -> str:
    """``gitlab.example.com`` -> ``https://gitlab.example.com``; no trailing slash.

    Raises :class:`BadInput` (exit 2) with :func:`url_problem`'s reason for anything that is not the http(s)
    address of a host, including one with a user name or password in it.
    """
    problem = url_problem(url)
    if problem:
        raise BadInput(f"The {what} {shown(redact_url(url.strip())[:200])} {problem}.", URL_NEXT_STEP)
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    assert parts.hostname
    netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def redact_url(url: str) -> str:
    """The URL with any ``user:password@`` replaced by ``****@`` so it can be shown or logged."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    hostpart, sep, tail = rest.partition("/")
    if "@" in hostpart:
        hostpart = "****@" + hostpart.rsplit("@", 1)[1]
    return f"{scheme}://{hostpart}{sep}{tail}"


def resolve_url(
    plan_url: str | None = None,
    flag: str | None = None,
    env: Mapping[str, str] = os.environ,
    repo_path: str | os.PathLike[str] | None = None,
) -> tuple[str, str]:
    """The GitLab URL to use and where it came from.

    ``flag`` (``--url``) > ``plan_url`` (the plan's ``gitlab.url``; pass None when the user did not set
    one, so the plan's default does not hide GITLAB_HOST) > ``GITLAB_HOST`` > ``CI_SERVER_URL`` > the git
    remote of ``repo_path``; when none is found, https://gitlab.com.
    """
    candidates = (
        (flag, "--url"),
        (plan_url, "the answers file (gitlab.url)"),
        (env.get("GITLAB_HOST"), "GITLAB_HOST environment variable"),
        (env.get("CI_SERVER_URL"), "CI_SERVER_URL environment variable"),
    )
    for value, source in candidates:
        if value and value.strip():
            return normalize_url(value, f"GitLab URL from {source}"), source
    if repo_path is not None:
        from dockwright.wizard.detect import gitlab_remote  # detect imports this module's helpers

        found = gitlab_remote(repo_path)
        if found is not None:
            name, _remote_url, gitlab_url, _project = found
            return gitlab_url, f"git remote {name!r}"
    return DEFAULT_GITLAB_URL, "default (no --url, answers file, GITLAB_HOST, CI_SERVER_URL or GitLab remote)"


def _same_instance(a: str, b: str) -> bool:
    try:
        return normalize_url(a).lower() == normalize_url(b).lower()
    except BadInput:
        return False


# --------------------------------------------------------------------------------------------
# Token
# --------------------------------------------------------------------------------------------

def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def python_gitlab_config_files(env: Mapping[str, str] = os.environ) -> list[Path]:
    """The python-gitlab config files in the order python-gitlab reads them."""
    if env.get("PYTHON_GITLAB_CFG"):
        return [Path(env["PYTHON_GITLAB_CFG"]).expanduser()]
    home = _home(env)
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    return [xdg / "python-gitlab.cfg", home / ".python-gitlab.cfg", Path("/etc/python-gitlab.cfg")]


def _token_from_python_gitlab(url: str, env: Mapping[str, str]) -> tuple[Secret, str] | None:
    import configparser

    for path in python_gitlab_config_files(env):
        if not path.is_file():
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            raise BadInput(
                f"The python-gitlab config file {path} cannot be read ({type(exc).__name__}).",
                "Fix the file, or give the token with GITLAB_TOKEN or --token-env NAME.",
            ) from None
        for section in parser.sections():
            if section == "global":
                continue
            section_url = parser.get(section, "url", fallback="")
            token = parser.get(section, "private_token", fallback="").strip()
            if section_url and token and _same_instance(section_url, url):
                if token.startswith("helper:"):
                    continue  # a command that prints the token; dockwright does not run it
                return Secret(token), f"python-gitlab config {path} [{section}]"
    return None


def glab_config_file(env: Mapping[str, str] = os.environ) -> Path:
    """Where glab keeps its global config.yml."""
    if env.get("GLAB_CONFIG_DIR"):
        return Path(env["GLAB_CONFIG_DIR"]).expanduser() / "config.yml"
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else _home(env) / ".config"
    return xdg / "glab-cli" / "config.yml"


def _token_from_glab(url: str, env: Mapping[str, str]) -> tuple[Secret, str] | None:
    path = glab_config_file(env)
    if not path.is_file():
        return None
    from ruamel.yaml import YAML  # here, not at the top: only a glab config file needs it (not the first frame)
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError, OSError) as exc:
        raise BadInput(
            f"glab's config file {path} cannot be read ({type(exc).__name__}).",
            "Fix it with `glab config`, or give the token with GITLAB_TOKEN or --token-env NAME.",
        ) from None
    hosts = data.get("hosts") if isinstance(data, dict) else None
    if not isinstance(hosts, dict):
        return None
    parts = urlsplit(normalize_url(url))
    host = (parts.hostname or "").lower()
    netloc = parts.netloc.lower()
    for key, entry in hosts.items():
        if str(key).lower() not in (host, netloc) or not isinstance(entry, dict):
            continue
        token = entry.get("token")
        if isinstance(token, str) and token.strip():
            return Secret(token.strip()), f"glab config {path} (hosts.{key}.token)"
    return None


class BadToken(BadInput):
    """A token was found but cannot be one (a line break, a space, not ASCII, far too long)."""


def token_problem(value: str | Secret) -> str | None:
    """None when ``value`` can be a GitLab token, else what is wrong with it, as words that follow "The token
    ...". The words never contain the value. Checked before a token is sent anywhere: a line break or a
    character outside Latin-1 would otherwise fail deep in the HTTP library, in a message that holds it."""
    if isinstance(value, Secret):
        value = value.reveal()
    if not value:
        return "is empty"
    if any(c in "\r\n\x85\u2028\u2029" for c in value):
        return "has a line break in it"
    if any(c.isspace() for c in value):
        return "has a space in it"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "has a control character in it"
    if not value.isascii():
        return "has a character that is not plain ASCII (a typographic quote or dash from a copy-paste?)"
    if len(value) > MAX_TOKEN_LENGTH:
        return f"is {len(value)} characters long, while GitLab's tokens are under 100"
    return None


def checked_token(value: str, source: str) -> Secret:
    """``value`` as a :class:`Secret`, or :class:`BadInput` (exit 2) saying what is wrong, never showing it."""
    secret = Secret(value)  # remembered first, so no message can show it
    problem = token_problem(value)
    if problem:
        where = source if source.startswith(("typed", "given")) else f"from the {source}"
        raise BadToken(
            f"The token {where} {problem}; a GitLab token is one line of ASCII letters, digits, - and _.",
            "Copy it again from GitLab (User settings > Access tokens) and set it with nothing around it.",
        )
    return secret


def resolve_token(
    url: str,
    token_env: str | None = None,
    env: Mapping[str, str] = os.environ,
    prompt: Callable[[str], str] | None = None,
) -> tuple[Secret, str]:
    """The token for the GitLab at ``url`` as a :class:`Secret`, and where it came from.

    ``prompt(message) -> str`` is called last; it must read without echo (the caller owns the terminal
    or the screen). Raises :class:`BadInput` when no source has a token, or the token found cannot be one
    (:func:`token_problem`).
    """
    token, source = _find_token(url, token_env, env, prompt)
    return checked_token(token.reveal(), source), source


def _find_token(url: str, token_env: str | None, env: Mapping[str, str],
                prompt: Callable[[str], str] | None) -> tuple[Secret, str]:
    if token_env is not None:
        if not _ENV_NAME_RE.fullmatch(token_env):
            raise BadInput(
                f"--token-env takes the name of an environment variable, and {shown(token_env)} is not one "
                "(letters, digits and _, not starting with a digit).",
                "Export the token first (export MY_TOKEN=...) and pass --token-env MY_TOKEN.",
            )
        value = env.get(token_env, "")
        if not value.strip():
            raise BadInput(
                f"--token-env names the environment variable {token_env}, but it is not set or empty.",
                f"Export the token first (export {token_env}=...) or leave out --token-env.",
            )
        return Secret(value.strip()), f"{token_env} environment variable (--token-env)"
    if env.get("GITLAB_TOKEN", "").strip():
        return Secret(env["GITLAB_TOKEN"].strip()), "GITLAB_TOKEN environment variable"
    for finder in (_token_from_python_gitlab, _token_from_glab):
        found = finder(url, env)
        if found is not None:
            return found
    if prompt is not None:
        value = prompt(f"Personal access token for {normalize_url(url)} (scopes api, write_repository)")
        if value and value.strip():
            return Secret(value.strip()), "typed at the prompt"
        raise BadInput("No token was entered.", "Create a personal access token in GitLab and paste it.")
    if is_loopback_url(url):
        raise BadInput(
            f"No GitLab token found for {normalize_url(url)}.",
            "This address is a local sandbox: `dockwright sandbox --show` prints the url and token of the one "
            "running (add --data-dir when it keeps its state elsewhere), and `dockwright watch --sandbox` finds "
            "it by itself; export the token in this shell (export GITLAB_TOKEN=...) and keep it out of any file.",
        )
    raise BadInput(
        f"No GitLab token found for {normalize_url(url)}.",
        "Set GITLAB_TOKEN, or name another variable with --token-env NAME, or log in with glab; "
        "create the token under User settings > Access tokens with the api and write_repository scopes.",
    )


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1, localhost), as a sandbox does."""
    host = (urlsplit(normalize_url(url)).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
