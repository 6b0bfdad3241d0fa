"""What a project folder already tells us: GitLab remote, default branch, Python app, existing files.

:func:`detect` reads, never writes, and never runs the project's code. Each finding that changes what
dockwright generates comes with a plain sentence in ``Detection.notes``, so the user can see why.
:func:`detect_plan` turns the findings into the Plan's defaults; the answers file and the screens start
from it.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dockwright.wizard.credentials import redact_url
from dockwright.wizard.errors import BadInput
from dockwright.wizard.git import Repo
from dockwright.wizard.plan import GitLabSpec, Plan, build_path_problems
from dockwright.wizard.stacks import TITLES, available
from dockwright.wizard.stacks.find import choose, project_at, sub_projects

EXISTING_FILES = ("Dockerfile", ".dockerignore", ".gitlab-ci.yml")
REMOTE_RANK = ("upstream", "gitlab", "origin")  # glab's order; other remotes follow in config order
DEFAULT_BRANCH = "main"
DEFAULT_PYTHON = "3.13"
DEFAULT_PORT = 8000

OTHER_LANGUAGES = (
    ("package.json", "Node.js"),
    ("go.mod", "Go"),
    ("Cargo.toml", "Rust"),
    ("pom.xml", "Java (Maven)"),
    ("build.gradle", "Java/Kotlin (Gradle)"),
    ("build.gradle.kts", "Kotlin (Gradle)"),
    ("Gemfile", "Ruby"),
    ("composer.json", "PHP"),
    ("mix.exs", "Elixir"),
    ("global.json", ".NET"),
)


@dataclass(frozen=True)
class Detection:
    path: str
    remote_name: str | None = None
    remote_url: str | None = None  # as configured, with any user:password@ replaced by ****@
    gitlab_url: str | None = None
    project_path: str | None = None
    default_branch: str = DEFAULT_BRANCH
    language: str = "generic"  # one of plan.LANGUAGES
    base_image: str = f"python:{DEFAULT_PYTHON}-slim"  # the (build stage's) base image
    runtime_image: str | None = None  # the final stage's image of a multi-stage build
    tool: str | None = None  # npm | yarn | pnpm | go | maven | gradle | bundler | composer | cargo | dotnet
    target: str | None = None  # what is built: a Go main package, a Rust binary, a .NET project file...
    stacks: tuple[tuple[str, str], ...] = ()  # (folder, language) of every project found; "." is the root
    framework: str | None = None  # flask | fastapi | django | None
    entry_point: str | None = None  # app.py, main.py, manage.py, or a [project.scripts] name
    requirements: str | None = None  # requirements.txt (pip install -r), pyproject.toml (pip install .), or None
    dependencies_source: str | None = None  # requirements.txt | pyproject.toml | Pipfile
    dependencies: tuple[str, ...] = ()  # normalised distribution names
    python_version: str | None = None  # major.minor from .python-version / runtime.txt / requires-python
    port: int | None = None
    command: tuple[str, ...] = ()
    dockerfile_path: str = "Dockerfile"  # an existing Dockerfile's path, else where dockwright writes one
    dockerfile_context: str = "."
    existing: dict[str, bool] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Remotes
# --------------------------------------------------------------------------------------------

_SCP_RE = re.compile(r"^(?:(?P<user>[^@/\s]+)@)?(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<path>[^/\\].*)$")


def _clean_project_path(path: str, url: str) -> str:
    path = path.split("/-/", 1)[0]  # a pasted web address such as /g/app/-/tree/main
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    path = path.strip("/")
    if path.startswith("~"):
        path = ""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or any(p in (".", "..", "-") for p in parts):
        raise BadInput(
            f"The git remote {redact_url(url)!r} does not name a GitLab project (group/project).",
            "Point the remote at the project, e.g. git remote set-url origin https://gitlab.com/group/app.git.",
        )
    return "/".join(parts)


def parse_remote(url: str) -> tuple[str, str]:
    """A git remote URL -> (GitLab web URL, project path); never returns credentials.

    ``https://[user:token@]host[:port]/g/sub/app[.git]`` -> ``https://host[:port]``;
    ``git@host:g/sub/app.git`` and ``ssh://git@host:2222/g/sub/app.git`` -> ``https://host`` (the SSH port
    is not the web port). Raises :class:`BadInput` for a local path or anything else that is no GitLab
    project.
    """
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            host = parts.hostname or ""
            netloc = host if parts.port is None else f"{host}:{parts.port}"
            if not host:
                raise BadInput(f"The git remote {redact_url(url)!r} has no host.", "Fix it with git remote set-url.")
            return f"{scheme}://{netloc}", _clean_project_path(parts.path, url)
        if scheme in ("ssh", "git+ssh", "ssh+git", "git"):
            if not parts.hostname:
                raise BadInput(f"The git remote {redact_url(url)!r} has no host.", "Fix it with git remote set-url.")
            return f"https://{parts.hostname}", _clean_project_path(parts.path, url)
        raise BadInput(
            f"The git remote {redact_url(url)!r} is not on a GitLab server ({scheme}:// URL).",
            "Add the GitLab project as a remote: git remote add gitlab https://gitlab.example.com/group/app.git.",
        )
    match = _SCP_RE.match(text)
    if match and not text.startswith((".", "/")):
        return f"https://{match.group('host').strip('[]')}", _clean_project_path(match.group("path"), url)
    raise BadInput(
        f"The git remote {text!r} is a local path, not a GitLab project.",
        "Add the GitLab project as a remote: git remote add gitlab https://gitlab.example.com/group/app.git.",
    )


def rank_remotes(remotes: dict[str, str]) -> list[tuple[str, str]]:
    """Remotes in glab's order: upstream, gitlab, origin, then the others as configured."""
    ranked = [(name, remotes[name]) for name in REMOTE_RANK if name in remotes]
    ranked += [(name, url) for name, url in remotes.items() if name not in REMOTE_RANK]
    return ranked


def gitlab_remote(path: str | os.PathLike[str]) -> tuple[str, str, str, str] | None:
    """The best GitLab remote of the repo at ``path``: (name, redacted URL, GitLab URL, project path)."""
    repo = Repo(path)
    if not repo.is_repo():
        return None
    return best_gitlab_remote(repo.remotes())


def best_gitlab_remote(remotes: dict[str, str]) -> tuple[str, str, str, str] | None:
    """The best of ``remotes`` (name -> URL, as Repo.remotes gives them) that is a GitLab project."""
    for name, url in rank_remotes(remotes):
        try:
            gitlab_url, project = parse_remote(url)
        except BadInput:
            continue
        return name, redact_url(url), gitlab_url, project
    return None


# --------------------------------------------------------------------------------------------
# Python projects
# --------------------------------------------------------------------------------------------

_REQ_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize_name(name: str) -> str:
    """PEP 503 normalised distribution name: ``Flask_SQLAlchemy`` -> ``flask-sqlalchemy``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(lines: list[str]) -> list[str]:
    names = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        if "#egg=" in raw:
            names.append(normalize_name(raw.split("#egg=", 1)[1].split("&")[0].strip()))
            continue
        m = _REQ_NAME_RE.match(line)
        if m:
            names.append(normalize_name(m.group(1)))
    return names


def _read_requirements(path: Path, seen: set[Path] | None = None) -> list[str]:
    seen = seen or set()
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    names = _requirement_names(lines)
    for line in lines:  # -r other.txt: follow includes next to the file
        m = re.match(r"^\s*(?:-r|--requirement)[\s=]+(\S+)", line)
        if m:
            names += _read_requirements(path.parent / m.group(1), seen)
    return names


def _setup_cfg_requires(path: Path) -> list[str]:
    """``[options] install_requires`` of a setup.cfg (setup.py is code; dockwright does not run it)."""
    if not path.is_file():
        return []
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return []
    return [line for line in parser.get("options", "install_requires", fallback="").splitlines() if line.strip()]


def _read_toml(path: Path, notes: list[str]) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        notes.append(f"{path.name} could not be read as TOML ({exc}); its dependencies were ignored.")
        return {}


def _python_version(root: Path, pyproject: dict) -> str | None:
    for name in (".python-version", "runtime.txt"):
        f = root / name
        if f.is_file():
            m = re.search(r"(3\.\d{1,2})", f.read_text(encoding="utf-8", errors="replace"))
            if m:
                return m.group(1)
    req = str(pyproject.get("project", {}).get("requires-python", ""))
    upper = re.search(r"<\s*3\.(\d+)", req)
    if upper and int(upper.group(1)) <= int(DEFAULT_PYTHON.split(".")[1]):
        return f"3.{int(upper.group(1)) - 1}"
    pinned = re.search(r"(?:==|~=)\s*3\.(\d+)", req)
    if pinned:
        return f"3.{pinned.group(1)}"
    return None


def _module_of(root: Path, file: str) -> str:
    return file[:-3].replace("/", ".") if file.endswith(".py") else file


def _app_variable(source: str, cls: str) -> str | None:
    m = re.search(rf"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:\w+\.)?{cls}\(", source, re.M)
    return m.group(1) if m else None


def _package_app(root: Path, cls: str) -> str | None:
    """The module of a package that makes the ``cls`` app (``src/shop/main.py``, ``shop/app.py``), or None."""
    for pattern in ("src/*/main.py", "src/*/app.py", "src/*/api.py", "*/main.py", "*/app.py"):
        for f in sorted(root.glob(pattern)):
            parts = f.relative_to(root).parts
            if any(part.startswith(".") or part in ("tests", "venv", "node_modules") for part in parts):
                continue
            if _app_variable(f.read_text(encoding="utf-8", errors="replace"), cls):
                return "/".join(parts)
    return None


def _literal_port(source: str) -> int | None:
    m = re.search(r"\bport\s*=\s*(\d{2,5})\b", source) or re.search(r"""PORT["']?\s*,\s*["']?(\d{2,5})""", source)
    if m and 1 <= int(m.group(1)) <= 65535:
        return int(m.group(1))
    return None


def _django_project(root: Path) -> str | None:
    manage = root / "manage.py"
    if manage.is_file():
        m = re.search(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)\.settings""", manage.read_text(encoding="utf-8", errors="replace"))
        if m:
            return m.group(1)
    for wsgi in sorted(root.glob("*/wsgi.py")):
        return wsgi.parent.name
    return None


def _read(root: Path, name: str) -> str:
    f = root / name
    return f.read_text(encoding="utf-8", errors="replace") if f.is_file() else ""


def _detect_python(root: Path, notes: list[str]) -> dict:
    """Everything about a Python project; empty when the folder is not one."""
    pyproject_file, pipfile, requirements_file = root / "pyproject.toml", root / "Pipfile", root / "requirements.txt"
    pyproject = _read_toml(pyproject_file, notes) if pyproject_file.is_file() else {}
    candidates = [f for f in ("manage.py", "app.py", "main.py", "wsgi.py", "app/main.py", "src/main.py") if (root / f).is_file()]
    markers = [f for f in ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg") if (root / f).is_file()]
    if not markers and not candidates:
        return {}
    out: dict = {"language": "python"}

    deps: list[str] = []
    raw_deps: list[str] = []
    if requirements_file.is_file():
        out["requirements"], out["dependencies_source"] = "requirements.txt", "requirements.txt"
        deps = _read_requirements(requirements_file)
        raw_deps = requirements_file.read_text(encoding="utf-8", errors="replace").splitlines()
    elif pyproject and ("project" in pyproject or "build-system" in pyproject or "poetry" in pyproject.get("tool", {})):
        project = pyproject.get("project", {})
        poetry = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
        raw_deps = [str(d) for d in project.get("dependencies", [])]
        deps = _requirement_names(raw_deps)
        deps += [normalize_name(k) for k in poetry if k.lower() != "python"]
        # Not a .txt file: the Dockerfile generator installs the project itself (pip install .).
        out["requirements"], out["dependencies_source"] = "pyproject.toml", "pyproject.toml"
        notes.append("Dependencies come from pyproject.toml, so the image installs the project itself "
                     "(pip install .) instead of a requirements file.")
    elif pipfile.is_file():
        data = _read_toml(pipfile, notes)
        deps = [normalize_name(k) for k in data.get("packages", {})]
        out["dependencies_source"] = "Pipfile"
        notes.append("Dependencies come from a Pipfile. pip cannot read it: export them once with "
                     "`pipenv requirements > requirements.txt` and commit that file, so the image can install them.")
    elif (root / "setup.py").is_file() or (root / "setup.cfg").is_file():
        name = "setup.py" if (root / "setup.py").is_file() else "setup.cfg"
        deps = _requirement_names(_setup_cfg_requires(root / "setup.cfg"))
        out["requirements"], out["dependencies_source"] = name, name
        notes.append(f"Dependencies come from {name}, so the image installs the project itself (pip install .).")
    else:
        notes.append("No requirements.txt, pyproject.toml or Pipfile was found, so the image installs no dependencies.")
    out["dependencies"] = tuple(dict.fromkeys(deps))
    depset = set(deps)
    version = _python_version(root, pyproject)
    if version:
        out["python_version"] = version
        notes.append(f"The project asks for Python {version}, so the base image is python:{version}-slim.")

    sources = {f: _read(root, f) for f in candidates}
    imports = " ".join(sources.values())
    if "django" in depset or "manage.py" in candidates:
        framework = "django"
    elif "fastapi" in depset or re.search(r"^\s*from fastapi import|^\s*import fastapi", imports, re.M):
        framework = "fastapi"
    elif "flask" in depset or re.search(r"^\s*from flask import|^\s*import flask", imports, re.M):
        framework = "flask"
    else:
        framework = None
    out["framework"] = framework
    has_gunicorn = "gunicorn" in depset

    if framework == "django":
        proj = _django_project(root)
        out["entry_point"] = "manage.py" if "manage.py" in candidates else None
        out["port"] = DEFAULT_PORT
        module = f"{proj}.wsgi" if proj else "PROJECT.wsgi"
        out["command"] = ("gunicorn", "--bind", f"0.0.0.0:{DEFAULT_PORT}", module)
        if not proj:
            notes.append("Django was found but not its project package (the folder with wsgi.py); "
                         "replace PROJECT in the command with its name.")
        notes.append(f"Django app: the image runs gunicorn {module} on port {DEFAULT_PORT}; "
                     "`manage.py runserver` is only for development.")
        if not has_gunicorn:
            notes.append("gunicorn is not among the dependencies: add it (e.g. to requirements.txt), "
                         "or the container will stop at once with 'gunicorn: not found'.")
        return out

    entry = next((f for f in candidates if f != "manage.py"), None)
    scripts = pyproject.get("project", {}).get("scripts", {}) if pyproject else {}
    if framework == "fastapi":
        entry = next((f for f in candidates if _app_variable(sources[f], "FastAPI")), None)
        if entry is None:  # a package: src/shop/main.py (src layout) or shop/main.py
            entry = _package_app(root, "FastAPI")
            if entry:
                sources[entry] = _read(root, entry)
        entry = entry or next((f for f in candidates if f != "manage.py"), None)
        var = _app_variable(sources.get(entry, ""), "FastAPI") if entry else None
        app_dir: tuple[str, ...] = ()
        module = _module_of(root, entry) if entry else "main"
        if entry and entry.startswith("src/"):  # src layout: import it from src, as an installed package would be
            module, app_dir = module.removeprefix("src."), ("--app-dir", "src")
        target = f"{module}:{var or 'app'}"
        out.update(entry_point=entry, port=DEFAULT_PORT,
                   command=("uvicorn", target, *app_dir, "--host", "0.0.0.0", "--port", str(DEFAULT_PORT)))
        notes.append(f"FastAPI app: the image runs uvicorn {target} on port {DEFAULT_PORT}, listening on 0.0.0.0 "
                     "so it can be reached from outside the container.")
        if "uvicorn" not in depset and not any("fastapi[" in line.replace(" ", "").lower() for line in raw_deps):
            notes.append("uvicorn is not among the dependencies: add it (or fastapi[standard]), "
                         "or the container will stop at once with 'uvicorn: not found'.")
        return out
    if framework == "flask":
        entry = next((f for f in candidates if _app_variable(sources[f], "Flask")), entry)
        var = _app_variable(sources.get(entry, ""), "Flask") if entry else None
        module = _module_of(root, entry) if entry else "app"
        out["entry_point"] = entry
        target = f"{module}:{var or 'app'}"
        out.update(port=DEFAULT_PORT, command=("gunicorn", "--bind", f"0.0.0.0:{DEFAULT_PORT}", target))
        notes.append(f"Flask app: the image runs gunicorn {target} on port {DEFAULT_PORT}, a production server; "
                     "`flask run` is Flask's development server (one request at a time, not hardened).")
        if not has_gunicorn:
            notes.append("gunicorn is not among the dependencies: add it (e.g. gunicorn==23.0.0 to requirements.txt), "
                         "or the container will stop at once with 'gunicorn: not found'.")
        return out

    if entry:
        out.update(entry_point=entry, command=("python", entry), port=_literal_port(sources[entry]))
        if out["port"] is None:
            notes.append(f"No port was found in {entry}, so the Dockerfile has no EXPOSE line; set the Port "
                         "(dockerfile.port in dockwright.yml) if the app listens on one.")
        else:
            notes.append(f"{entry} listens on port {out['port']}; the Dockerfile exposes it.")
        return out
    if scripts:
        name = next(iter(scripts))
        out.update(entry_point=name, command=(name,), port=None)
        notes.append(f"The image starts the [project.scripts] entry {name!r} ({scripts[name]}), installed with the project.")
        return out
    out.update(entry_point=None, command=(), port=None)
    notes.append("No entry point (app.py, main.py, manage.py or a [project.scripts] entry) was found: "
                 "set dockerfile.command to the command that starts the app.")
    return out


# --------------------------------------------------------------------------------------------
# Existing Dockerfiles
# --------------------------------------------------------------------------------------------

_SKIPPED_FOLDERS = {"node_modules", "venv", "site-packages", "__pycache__", "vendor", "dist", "build"}
_DOCKERFILE_DEPTH = 3  # docker/Dockerfile, services/api/Dockerfile, deploy/docker/app/Dockerfile


def _dockerfiles(root: Path) -> list[str]:
    """Every file named Dockerfile in the project (hidden and dependency folders skipped), shallowest first."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        depth = len(rel.parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS
                         and depth < _DOCKERFILE_DEPTH)
        if "Dockerfile" in files:
            found.append((rel / "Dockerfile").as_posix())
    return sorted(found, key=lambda p: (p.count("/"), p))


def _context_of(root: Path, dockerfile: str) -> str:
    """The build context an existing Dockerfile expects: its own folder when every COPY/ADD source exists
    there and not all at the root of the repository, else the repository (``docker build -f X .``)."""
    folder = posixpath.dirname(dockerfile) or "."
    if folder == ".":
        return "."
    text = (root / dockerfile).read_text(encoding="utf-8", errors="replace")
    sources = []
    for m in re.finditer(r"^\s*(?:COPY|ADD)\s+(.+)$", text, re.M | re.I):
        words = [w for w in m.group(1).split() if not w.startswith("--")]
        sources += [w.strip("\"'[],") for w in words[:-1] if "://" not in w]
    sources = [s for s in sources if s and s not in (".", "./") and "$" not in s and "*" not in s]
    if sources and all((root / folder / s).exists() for s in sources) and not all((root / s).exists() for s in sources):
        return folder
    return "."


def _detect_dockerfile(root: Path, notes: list[str]) -> dict:
    """Where the project's Dockerfile is (an existing one is never ignored) and its build context."""
    found: list[str] = []
    unusable: list[str] = []
    for candidate in _dockerfiles(root):  # the pipeline writes the path into a shell line as it is
        (unusable if build_path_problems(candidate, ".") else found).append(candidate)
    if unusable:
        notes.append(f"{', '.join(unusable)} cannot be built by the generated pipeline as named (letters, digits and "
                     ". _ - / only); rename the folder to use it.")
    if not found:
        return {}
    path = found[0]
    others = found[1:]
    out = {"dockerfile_path": path, "dockerfile_context": _context_of(root, path)}
    if path != "Dockerfile":
        context = out["dockerfile_context"]
        how = f"docker build -f {path} {context}" if context == "." else f"docker build {context}"
        notes.append(f"The project's Dockerfile is {path}, not at the root: the pipeline builds with it "
                     f"(`{how}`, build context {'the repository' if context == '.' else context}); "
                     "dockerfile.path and dockerfile.context in dockwright.yml change that.")
    if others:
        notes.append(f"Other Dockerfiles are here too ({', '.join(others)}); the pipeline builds {path} only. "
                     "Set dockerfile.path (the Dockerfile step's Dockerfile field) to build another.")
    return out


# --------------------------------------------------------------------------------------------
# The whole detection
# --------------------------------------------------------------------------------------------

def detect(path: str | os.PathLike[str]) -> Detection:
    """Look at the project folder ``path`` and say what it is; reads only."""
    root = Path(path)
    if not root.is_dir():
        raise BadInput(f"{root} is not a folder.", "Run dockwright inside your project, or pass the project's folder.")
    notes: list[str] = []
    values: dict = {"path": str(root)}

    repo = Repo(root)
    if repo.is_repo():
        remotes = repo.remotes()
        remote = best_gitlab_remote(remotes)
        if remote is not None:
            name, url, gitlab_url, project = remote
            values.update(remote_name=name, remote_url=url, gitlab_url=gitlab_url, project_path=project)
            notes.append(f"The git remote {name!r} points at the project {project} on {gitlab_url}.")
            if url.startswith("ssh://") or not url.count("://"):
                notes.append("That remote uses SSH; GitLab's web address is assumed to be https on the same host. "
                             "Change the GitLab URL (gitlab.url in dockwright.yml) if it differs.")
        elif remotes:
            notes.append("None of the git remotes looks like a GitLab project; set the GitLab URL and project "
                         "(gitlab.url and gitlab.project in dockwright.yml).")
        else:
            notes.append("The repository has no git remote yet; set the GitLab URL and project (gitlab.url and "
                         "gitlab.project in dockwright.yml): dockwright pushes there.")
        branch = None
        for candidate in dict.fromkeys([values.get("remote_name") or "origin", "origin"]):
            branch = repo.remote_default_branch(candidate)
            if branch:
                break
        values["default_branch"] = branch or repo.current_branch() or DEFAULT_BRANCH
    else:
        notes.append("This folder is not a git repository; run `git init` (and add the GitLab remote) before pushing.")

    values["existing"] = {name: (root / name).is_file() for name in EXISTING_FILES}
    values.update(_detect_dockerfile(root, notes))
    if values["existing"]["Dockerfile"] or "dockerfile_path" in values:
        name = values.get("dockerfile_path", "Dockerfile")
        notes.append(f"{name} already exists; dockwright will not replace it unless you ask (it then keeps yours as "
                     f"{posixpath.basename(name)}.orig).")
    if values["existing"][".gitlab-ci.yml"]:
        notes.append("A .gitlab-ci.yml already exists; dockwright merges its jobs into it and keeps yours.")

    values.update(_detect_project(root, notes, values.get("dockerfile_path")))
    return Detection(**values, notes=tuple(notes))


def _detect_project(root: Path, notes: list[str], dockerfile_path: str | None) -> dict:
    """The project's stack: the root's, else a sub-folder's (a monorepo); the chosen folder is the build context."""
    out: dict = {}
    found = project_at(root, notes, _detect_python)
    projects = ([(".", found["language"])] if found else []) + sub_projects(root, _detect_python)
    out["stacks"] = tuple(projects)
    if not projects:
        marker = next((lang for marker, lang in OTHER_LANGUAGES if (root / marker).is_file()), None)
        what = f"This looks like a {marker} project" if marker else "No project dockwright knows was found here"
        known = ", ".join(TITLES[lang] for lang in ("python", *available()))
        notes.append(f"{what}. dockwright writes working Dockerfiles for {known}, so it writes a generic "
                     "Dockerfile that you must edit: choose the base image, the build steps and the command.")
        return out
    folder, language = choose(projects, dockerfile_path)
    if found is None:
        found = project_at(root / folder, notes, _detect_python) or {}
        if dockerfile_path is None:
            out.update(dockerfile_path=f"{folder}/Dockerfile", dockerfile_context=folder)
    if len(projects) > 1:
        listed = ", ".join(f"{'the root' if f == '.' else f} ({lang})" for f, lang in projects)
        notes.append(f"This repository holds several projects: {listed}. dockwright builds "
                     f"{'the root' if folder == '.' else folder} ({language}); to build another, set the Dockerfile "
                     "step's Folder (dockerfile.context and dockerfile.path in dockwright.yml).")
    if found.get("language") == "python":
        found["base_image"] = f"python:{found.get('python_version') or DEFAULT_PYTHON}-slim"
    out.update(found)
    return out


def detect_plan(path: str | os.PathLike[str], base: Plan | None = None) -> Plan:
    """The Plan's defaults for the project at ``path``: ``base`` (or Plan()) with what detection found."""
    return plan_from(detect(path), base)


def plan_from(found: Detection, base: Plan | None = None) -> Plan:
    """``base`` (or Plan()) with what detection ``found``."""
    plan = base or Plan()
    gitlab = plan.gitlab
    if found.gitlab_url and found.project_path:
        gitlab = GitLabSpec(url=found.gitlab_url, project=found.project_path)
    dockerfile = plan.dockerfile
    if found.language != "generic":
        dockerfile = dataclasses.replace(
            dockerfile,
            language=found.language,
            base_image=found.base_image,
            runtime_image=found.runtime_image,
            tool=found.tool,
            target=found.target,
            requirements=found.requirements if found.language == "python" else None,
            port=found.port,
            command=found.command or dockerfile.command,
        )
    else:
        dockerfile = dataclasses.replace(dockerfile, language="generic", requirements=None)
    dockerfile = dataclasses.replace(dockerfile, path=found.dockerfile_path, context=found.dockerfile_context)
    return dataclasses.replace(
        plan, gitlab=gitlab, dockerfile=dockerfile, git=dataclasses.replace(plan.git, branch=found.default_branch)
    )
