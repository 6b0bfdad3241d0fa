"""Small Python projects, one per Dockerfile variant the generators emit, and their generated files.

The Dockerfile and .dockerignore come from the generator itself (detect_plan + render), never from a copy of its
output, so these builds follow whatever the generator writes today.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockwright.wizard.detect import detect_plan
from dockwright.wizard.plan import Plan, replace_in
from dockwright.wizard.render.dockerfile import render_dockerfile, render_dockerignore

FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
"""

FASTAPI_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello():
    return {"hello": "world"}
"""

DJANGO_MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

DJANGO_SETTINGS = """\
SECRET_KEY = "only-for-a-test"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
DATABASES = {}
"""

DJANGO_URLS = """\
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("Hello from Django"))]
"""

DJANGO_WSGI = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
application = get_wsgi_application()
"""

WORKER = """\
import time


def main():
    print("worker up", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
"""


def _pyproject(deps: list[str], scripts: dict[str, str] | None = None, modules: list[str] | None = None) -> str:
    lines = ['[build-system]', 'requires = ["setuptools>=61"]', 'build-backend = "setuptools.build_meta"', "",
             "[project]", 'name = "demo"', 'version = "0.1.0"',
             "dependencies = [" + ", ".join(f'"{d}"' for d in deps) + "]", ""]
    if scripts:
        lines += ["[project.scripts]"] + [f'{k} = "{v}"' for k, v in scripts.items()] + [""]
    if modules:
        lines += ["[tool.setuptools]", "py-modules = [" + ", ".join(f'"{m}"' for m in modules) + "]", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class Variant:
    name: str
    files: dict[str, str]
    non_root: bool
    expect_command: str  # the first word of the CMD detection should choose
    http_body: str | None  # text the app's / answers with; None: no port, the process must stay up

    def write(self, folder: Path) -> Plan:
        """Write the project into ``folder``, then the Dockerfile and .dockerignore the generator makes for it."""
        for rel, text in self.files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
        plan = replace_in(detect_plan(folder), "dockerfile", non_root=self.non_root)
        (folder / "Dockerfile").write_text(render_dockerfile(plan))
        (folder / ".dockerignore").write_text(render_dockerignore(plan))
        return plan


VARIANTS = (
    Variant("flask-gunicorn-requirements-nonroot",
            {"requirements.txt": "flask\ngunicorn\n", "app.py": FLASK_APP}, True, "gunicorn", "Hello, World!"),
    Variant("flask-gunicorn-pyproject-root",  # Flask runs under gunicorn, never `flask run` (issue 13)
            {"pyproject.toml": _pyproject(["flask", "gunicorn"], modules=["app"]), "app.py": FLASK_APP}, False,
            "gunicorn", "Hello, World!"),
    Variant("fastapi-uvicorn-requirements-root",
            {"requirements.txt": "fastapi\nuvicorn\n", "main.py": FASTAPI_APP}, False, "uvicorn", '"hello":"world"'),
    Variant("django-gunicorn-requirements-nonroot",
            {"requirements.txt": "django\ngunicorn\n", "manage.py": DJANGO_MANAGE, "mysite/__init__.py": "",
             "mysite/settings.py": DJANGO_SETTINGS, "mysite/urls.py": DJANGO_URLS, "mysite/wsgi.py": DJANGO_WSGI},
            True, "gunicorn", "Hello from Django"),
    Variant("plain-no-dependencies-nonroot", {"app.py": WORKER}, True, "python", None),
    Variant("script-pyproject-nonroot",
            {"pyproject.toml": _pyproject([], scripts={"worker": "worker:main"}, modules=["worker"]),
             "worker.py": WORKER}, True, "worker", None),
)
