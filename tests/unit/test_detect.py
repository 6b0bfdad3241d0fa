"""Detection: remote parsing (pure) and small real project folders (with real `git init` where a repo matters)."""

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockwright.wizard.detect import detect, detect_plan, parse_remote, rank_remotes
from dockwright.wizard.errors import BadInput
from dockwright.wizard.plan import Plan, check_plan
from dockwright.wizard.render.dockerfile import render_dockerfile


@pytest.mark.parametrize(
    ("url", "gitlab_url", "project"),
    [
        ("https://gitlab.com/group/app.git", "https://gitlab.com", "group/app"),
        ("https://gitlab.com/group/app", "https://gitlab.com", "group/app"),
        ("https://gitlab.com/group/app/", "https://gitlab.com", "group/app"),
        ("https://gitlab.com/g/sub/deeper/app.git", "https://gitlab.com", "g/sub/deeper/app"),
        ("https://oauth2:glpat-SECRET123@gitlab.example.com/g/app.git", "https://gitlab.example.com", "g/app"),
        ("https://me@gitlab.example.com:8443/g/sub/app.git", "https://gitlab.example.com:8443", "g/sub/app"),
        ("http://127.0.0.1:8080/root/demo.git", "http://127.0.0.1:8080", "root/demo"),
        ("git@gitlab.com:g/sub/app.git", "https://gitlab.com", "g/sub/app"),
        ("git@gitlab.com:g/app", "https://gitlab.com", "g/app"),
        ("gitlab.example.com:team/app.git", "https://gitlab.example.com", "team/app"),
        ("ssh://git@host.example:2222/g/sub/app.git", "https://host.example", "g/sub/app"),
        ("ssh://git@host.example/g/app", "https://host.example", "g/app"),
        ("  https://gitlab.com/Group/My.App.git \n", "https://gitlab.com", "Group/My.App"),
        ("https://gitlab.com/g/sub/app/-/tree/main", "https://gitlab.com", "g/sub/app"),
    ],
)
def test_parse_remote(url, gitlab_url, project):
    assert parse_remote(url) == (gitlab_url, project)


@pytest.mark.parametrize(
    "url",
    ["/srv/git/app.git", "./app", "../other", "file:///srv/git/app.git", "https://gitlab.com/onlyone.git",
     "https://oauth2:glpat-SECRET123@gitlab.com/", "ftp://host/g/app"],
)
def test_parse_remote_refuses_non_projects_without_echoing_tokens(url):
    with pytest.raises(BadInput) as info:
        parse_remote(url)
    assert "glpat-SECRET123" not in str(info.value)
    assert info.value.next_step


def test_remotes_ranked_like_glab():
    remotes = {"zeta": "z", "origin": "o", "alpha": "a", "upstream": "u", "gitlab": "g"}
    assert [name for name, _ in rank_remotes(remotes)] == ["upstream", "gitlab", "origin", "zeta", "alpha"]


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\n\n@app.route('/')\ndef hi():\n    return 'hi'\n"


def test_flask_without_gunicorn_still_runs_under_gunicorn_and_says_to_add_it(tmp_path):
    """Issue 13: the demo project got `flask run`, Flask's development server, as its production command."""
    write(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "Flask==3.0.0  # web\n# comment\nrequests>=2\n"})
    d = detect(tmp_path)
    assert (d.language, d.framework, d.entry_point) == ("python", "flask", "app.py")
    assert d.requirements == "requirements.txt" and d.dependencies_source == "requirements.txt"
    assert d.dependencies == ("flask", "requests")
    assert d.command == ("gunicorn", "--bind", "0.0.0.0:8000", "app:app")
    assert d.port == 8000
    assert any("development server" in n for n in d.notes)
    assert any("gunicorn is not among the dependencies" in n for n in d.notes)


def test_flask_with_gunicorn_and_includes(tmp_path):
    write(tmp_path, {
        "wsgi.py": "from flask import Flask\nserver = Flask(__name__)\n",
        "requirements.txt": "-r requirements/base.txt\ngunicorn==22.0\n",
        "requirements/base.txt": "flask\n",
    })
    d = detect(tmp_path)
    assert d.framework == "flask"
    assert d.command == ("gunicorn", "--bind", "0.0.0.0:8000", "wsgi:server")
    assert d.port == 8000


def test_fastapi_in_a_package_finds_module_and_app_variable(tmp_path):
    write(tmp_path, {
        "app/main.py": "from fastapi import FastAPI\napi = FastAPI(title='x')\n",
        "app/__init__.py": "",
        "requirements.txt": "fastapi\nuvicorn[standard]\n",
    })
    d = detect(tmp_path)
    assert d.framework == "fastapi" and d.entry_point == "app/main.py"
    assert d.command == ("uvicorn", "app.main:api", "--host", "0.0.0.0", "--port", "8000")
    assert not any("uvicorn is not among" in n for n in d.notes)


def test_fastapi_without_uvicorn_says_so(tmp_path):
    write(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n", "requirements.txt": "fastapi\n"})
    d = detect(tmp_path)
    assert d.command[:2] == ("uvicorn", "main:app")
    assert any("uvicorn is not among the dependencies" in n for n in d.notes)


def test_django_uses_gunicorn_project_wsgi_and_warns_when_missing(tmp_path):
    write(tmp_path, {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
        "mysite/wsgi.py": "", "mysite/settings.py": "",
        "requirements.txt": "Django>=5\n",
    })
    d = detect(tmp_path)
    assert (d.framework, d.entry_point, d.port) == ("django", "manage.py", 8000)
    assert d.command == ("gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi")
    assert any("gunicorn is not among the dependencies" in n for n in d.notes)
    (tmp_path / "requirements.txt").write_text("Django>=5\ngunicorn\n")
    assert not any("gunicorn is not among" in n for n in detect(tmp_path).notes)


def test_pyproject_dependencies_and_scripts_entry(tmp_path):
    write(tmp_path, {"pyproject.toml": (
        "[project]\nname = 'tool'\nrequires-python = '>=3.10,<3.13'\n"
        "dependencies = ['Click>=8', 'rich ; python_version>\"3\"']\n"
        "[project.scripts]\ntool = 'tool.cli:main'\n"
    )})
    d = detect(tmp_path)
    assert d.language == "python" and d.dependencies_source == "pyproject.toml"
    assert d.requirements == "pyproject.toml"  # the Dockerfile then runs `pip install .`
    assert d.dependencies == ("click", "rich")
    assert (d.entry_point, d.command, d.port) == ("tool", ("tool",), None)
    assert d.python_version == "3.12" and d.base_image == "python:3.12-slim"
    plan = detect_plan(tmp_path)
    assert plan.dockerfile.requirements == "pyproject.toml" and plan.dockerfile.command == ("tool",)
    assert "RUN pip install --no-cache-dir ." in render_dockerfile(plan)


def test_fastapi_standard_extra_brings_uvicorn(tmp_path):
    write(tmp_path, {"pyproject.toml": "[project]\nname='x'\ndependencies=['FastAPI[standard]>=0.110']\n",
                     "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    d = detect(tmp_path)
    assert d.framework == "fastapi" and not any("uvicorn is not among" in n for n in d.notes)


def test_setup_cfg_project_installs_itself(tmp_path):
    write(tmp_path, {"setup.cfg": "[options]\ninstall_requires =\n    flask>=3\n    gunicorn\n",
                     "app.py": FLASK_APP})
    d = detect(tmp_path)
    assert (d.dependencies_source, d.requirements, d.dependencies) == ("setup.cfg", "setup.cfg", ("flask", "gunicorn"))
    assert d.command[0] == "gunicorn"


def test_tool_only_pyproject_is_not_a_dependency_source(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.black]\nline-length = 100\n", "requirements.txt": "",
                     "main.py": "print(1)\n"})
    assert detect(tmp_path).dependencies_source == "requirements.txt"
    (tmp_path / "requirements.txt").unlink()
    d = detect(tmp_path)
    assert d.dependencies_source is None and d.requirements is None


def test_poetry_fastapi(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\nfastapi = '*'\nuvicorn = '*'\n",
        "main.py": "import fastapi\napp = fastapi.FastAPI()\n",
    })
    d = detect(tmp_path)
    assert d.framework == "fastapi" and d.command[1] == "main:app"


def test_pipfile_flask_with_python_version_file(tmp_path):
    write(tmp_path, {
        "Pipfile": "[packages]\nflask = '*'\ngunicorn = '*'\n[dev-packages]\npytest = '*'\n",
        "app.py": FLASK_APP, ".python-version": "3.11.9\n",
    })
    d = detect(tmp_path)
    assert d.dependencies_source == "Pipfile" and d.dependencies == ("flask", "gunicorn")
    assert d.command[0] == "gunicorn" and d.base_image == "python:3.11-slim"
    assert any("pipenv requirements" in n for n in d.notes)


def test_plain_script_with_port(tmp_path):
    write(tmp_path, {"app.py": "import http.server\nserve(port=8080)\n", "requirements.txt": ""})
    d = detect(tmp_path)
    assert (d.framework, d.command, d.port) == (None, ("python", "app.py"), 8080)


def test_broken_pyproject_is_a_note_not_a_crash(tmp_path):
    write(tmp_path, {"pyproject.toml": "[project\nname=", "main.py": "print(1)\n"})
    d = detect(tmp_path)
    assert d.language == "python" and any("could not be read as TOML" in n for n in d.notes)


def test_non_python_project_gets_generic_with_a_clear_note(tmp_path):
    write(tmp_path, {"mix.exs": "defmodule App.MixProject do\nend\n", "Dockerfile": "FROM elixir\n", ".gitlab-ci.yml": "x: 1\n"})
    d = detect(tmp_path)
    assert d.language == "generic" and d.framework is None and d.command == ()
    assert d.existing == {"Dockerfile": True, ".dockerignore": False, ".gitlab-ci.yml": True}
    assert any("Elixir" in n and "generic Dockerfile that you must edit" in n for n in d.notes)
    plan = detect_plan(tmp_path)
    assert plan.dockerfile.language == "generic" and plan.dockerfile.requirements is None
    assert check_plan(plan) == []


def test_git_remote_branch_and_plan(tmp_path):
    write(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "flask\ngunicorn\n"})
    git(tmp_path, "init", "-q", "-b", "trunk")
    git(tmp_path, "remote", "add", "origin", "https://oauth2:glpat-SECRET123@gitlab.example.com/g/sub/app.git")
    git(tmp_path, "remote", "add", "upstream", "git@gitlab.com:up/stream/app.git")
    d = detect(tmp_path)
    assert (d.remote_name, d.gitlab_url, d.project_path) == ("upstream", "https://gitlab.com", "up/stream/app")
    assert d.default_branch == "trunk"  # no origin/HEAD: the current branch
    git(tmp_path, "remote", "remove", "upstream")
    d = detect(tmp_path)
    assert d.remote_url == "https://****@gitlab.example.com/g/sub/app.git"
    assert "glpat-SECRET123" not in repr(d)
    git(tmp_path, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/develop")
    assert detect(tmp_path).default_branch == "develop"
    plan = detect_plan(tmp_path)
    assert plan.gitlab.url == "https://gitlab.example.com" and plan.gitlab.project == "g/sub/app"
    assert plan.git.branch == "develop"
    assert plan.dockerfile.command == ("gunicorn", "--bind", "0.0.0.0:8000", "app:app")
    assert (plan.dockerfile.port, plan.dockerfile.requirements, plan.dockerfile.language) == (8000, "requirements.txt", "python")
    assert check_plan(plan) == []


def test_not_a_repo_defaults_to_main_and_keeps_plan_gitlab(tmp_path):
    write(tmp_path, {"main.py": "print('hi')\n"})
    d = detect(tmp_path)
    assert d.default_branch == "main" and d.gitlab_url is None
    assert any("not a git repository" in n for n in d.notes)
    plan = detect_plan(tmp_path)
    assert plan.gitlab == Plan().gitlab and plan.dockerfile.port is None


def test_detect_refuses_a_missing_folder(tmp_path):
    with pytest.raises(BadInput):
        detect(tmp_path / "nope")


_segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}", fullmatch=True).filter(
    lambda s: not s.endswith(".git") and s not in ("-",) and not s.endswith(".")
)
_host = st.from_regex(r"[a-z][a-z0-9\-]{0,10}(\.[a-z][a-z0-9\-]{0,10}){0,2}", fullmatch=True)


@given(host=_host, groups=st.lists(_segment, min_size=2, max_size=5), port=st.integers(1, 65535),
       password=st.from_regex(r"glpat-[A-Za-z0-9_\-]{8,20}", fullmatch=True))
def test_every_remote_form_names_the_same_project(host, groups, port, password):
    project = "/".join(groups)
    forms = [
        f"https://{host}/{project}.git",
        f"https://oauth2:{password}@{host}/{project}",
        f"git@{host}:{project}.git",
        f"ssh://git@{host}:{port}/{project}.git",
    ]
    for url in forms:
        gitlab_url, got = parse_remote(url)
        assert got == project
        assert gitlab_url == f"https://{host}"
        assert password not in gitlab_url + got


def test_a_repo_without_a_remote_names_the_fields_not_only_the_answers_keys(tmp_path):
    """Step 2 said "set gitlab.url and gitlab.project": answers-file keys a wizard user never sees (issue 16)."""
    write(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "flask\n"})
    git(tmp_path, "init", "-q", "-b", "main")
    notes = " ".join(detect(tmp_path).notes)
    assert "set the GitLab URL and project (gitlab.url and gitlab.project in dockwright.yml)" in notes, notes


def test_a_session_detects_the_folder_once_and_its_plan_is_detect_plans(tmp_path, monkeypatch):
    # starting the wizard detected the folder twice (detect, then detect_plan ran detect again): twice the git commands
    from dockwright.wizard import detect as detect_module
    from dockwright.wizard.session import Session

    write(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "requirements.txt": "flask\n"})
    git(tmp_path, "init", "-q")
    runs = []
    real = detect_module.detect
    monkeypatch.setattr(detect_module, "detect", lambda path: runs.append(path) or real(path))
    plan = Session(workdir=tmp_path).detect()
    assert len(runs) == 1
    assert plan == detect_plan(tmp_path)
