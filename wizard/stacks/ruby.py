"""Ruby with bundler (Gemfile, Gemfile.lock): a build stage has the compilers gems with native extensions need
(puma, pg, nokogiri...) and installs exactly the locked gems without the development and test groups; the final
stage copies the installed gems and the app, without the compilers. Rails and Rack apps run under puma.

``dockerfile.target`` is a rake task the build stage runs after the source is in (``assets:precompile`` for a
Rails app with assets), or null.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import USER_UID, env_lines, env_value, major_minor, tail_lines, user_lines

LANGUAGE = "ruby"
DEFAULT_RUBY = "3.4"
RAILS_PORT = 3000
RACK_PORT = 9292
TEACHING = ("Ruby: bundler installs exactly Gemfile.lock's gems without the development and test groups, in a "
            "build stage that has the compilers native gems need; the image you ship has the gems and the app, no "
            "compilers, and runs Rails and Rack apps under puma as a non-root user. Build task: a rake task to run "
            "at build time (assets:precompile), or empty.")
IGNORES = ("**/.bundle", "**/vendor/bundle", "**/log/*", "**/tmp/*", "**/storage/*", "**/node_modules",
           "**/public/assets", "**/coverage", "**/config/master.key", "**/config/credentials/*.key")
DEFAULTS: dict[str, Any] = {"base_image": f"ruby:{DEFAULT_RUBY}-slim", "runtime_image": None, "tool": "bundler",
                            "target": None, "port": RACK_PORT,
                            "command": ("bundle", "exec", "puma", "--bind", f"tcp://0.0.0.0:{RACK_PORT}")}
BUNDLE_PATH = "/usr/local/bundle"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _gem(gemfile: str, lock: str, name: str) -> bool:
    return bool(re.search(rf"""^\s*gem\s+['"]{re.escape(name)}['"]""", gemfile, re.M)
                or re.search(rf"^    {re.escape(name)} \(", lock, re.M))


def _ruby_version(root: Path, gemfile: str, lock: str) -> tuple[str | None, str]:
    text = _read(root / ".ruby-version").strip()
    if text:
        text = text.removeprefix("ruby-")
        return major_minor(text), f".ruby-version asks for Ruby {text}"
    m = re.search(r"""^\s*ruby\s+['"][~>= ]*([\d.]+)""", gemfile, re.M)
    if m:
        return major_minor(m.group(1)), f"the Gemfile's ruby line asks for {m.group(1)}"
    m = re.search(r"^RUBY VERSION\s*\n\s*ruby ([\d.]+)", lock, re.M)
    if m:
        return major_minor(m.group(1)), f"Gemfile.lock was made with Ruby {m.group(1)}"
    return None, ""


def _serve(root: Path, gemfile: str, lock: str, notes: list[str]) -> tuple[int | None, tuple[str, ...], str | None]:
    """(port, command, framework): puma for Rails and Rack apps, ruby for a script."""
    has_puma = _gem(gemfile, lock, "puma")
    if _gem(gemfile, lock, "rails") and (root / "config" / "application.rb").is_file():
        if (root / "config" / "puma.rb").is_file():
            command: tuple[str, ...] = ("bundle", "exec", "puma", "-C", "config/puma.rb")
            notes.append(f"A Rails app: the image runs puma with config/puma.rb (Rails' own, which listens on $PORT, "
                         f"else {RAILS_PORT}), never `rails server` in development mode.")
        else:
            command = ("bundle", "exec", "puma", "--bind", f"tcp://0.0.0.0:{RAILS_PORT}")
            notes.append(f"A Rails app: the image runs puma on port {RAILS_PORT} (0.0.0.0, so it is reachable outside "
                         "the container).")
        if not has_puma:
            notes.append("puma is not in the Gemfile: add `gem \"puma\"` and run bundle install, or the container "
                         "stops at once.")
        notes.append("Rails reads its credentials with RAILS_MASTER_KEY: set it where the container runs (a CI/CD or "
                     "deployment variable), never in the image; config/master.key stays out through .dockerignore.")
        return RAILS_PORT, command, "rails"
    if (root / "config.ru").is_file():
        notes.append(f"config.ru makes this a Rack app: the image serves it with puma on port {RACK_PORT} "
                     "(rackup's usual port), a production server.")
        if not has_puma:
            notes.append("puma is not in the Gemfile: add `gem \"puma\"` and run bundle install, or the container "
                         "stops at once with 'puma: not found'.")
        return RACK_PORT, ("bundle", "exec", "puma", "--bind", f"tcp://0.0.0.0:{RACK_PORT}"), "rack"
    entry = next((name for name in ("app.rb", "main.rb", "server.rb") if (root / name).is_file()), None)
    if entry is None:
        notes.append("No config.ru, Rails app or app.rb/main.rb was found: set dockerfile.command, e.g. "
                     "[bundle, exec, ruby, app.rb].")
        entry = "app.rb"
    else:
        notes.append(f"{entry} is the entry point, so the image runs `bundle exec ruby {entry}`.")
    m = re.search(r"(?:set\s+:port,\s*|port:\s*|PORT['\"]?\]?\s*(?:\|\||,)\s*)(\d{2,5})", _read(root / entry))
    port = int(m.group(1)) if m else (4567 if _gem(gemfile, lock, "sinatra") else None)
    if port:
        notes.append(f"The app listens on port {port}; the Dockerfile exposes it.")
    return port, ("bundle", "exec", "ruby", entry), None


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    gemfile = _read(root / "Gemfile")
    if not (root / "Gemfile").is_file():
        return None
    lock = _read(root / "Gemfile.lock")
    version, where = _ruby_version(root, gemfile, lock)
    if version:
        notes.append(f"{where}, so the base image is ruby:{version}-slim.")
    else:
        version = DEFAULT_RUBY
        notes.append(f"No Ruby version was found (.ruby-version, the Gemfile's ruby line), so the base image is "
                     f"ruby:{DEFAULT_RUBY}-slim, a supported Ruby; add a .ruby-version to choose.")
    if lock:
        notes.append("Gemfile.lock is there: bundler installs exactly the locked gems, without the development and "
                     "test groups (BUNDLE_WITHOUT).")
    else:
        notes.append("No Gemfile.lock: run `bundle lock` and commit it. The image's bundler installs in deployment "
                     "mode, which needs it, so every build gets the same gems.")
    port, command, framework = _serve(root, gemfile, lock, notes)
    target = None
    if framework == "rails" and any((root / "app" / d).is_dir() for d in ("assets", "javascript")):
        target = "assets:precompile"
        notes.append("The Rails app has assets: the build stage runs `rails assets:precompile` (dockerfile.target), "
                     "so the image serves them compiled.")
    return {"language": LANGUAGE, "base_image": f"ruby:{version}-slim", "runtime_image": None, "tool": "bundler",
            "target": target, "port": port, "command": command, "framework": framework,
            "entry_point": command[-1] if framework is None else None}


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or spec.base_image
    bundle = [("BUNDLE_DEPLOYMENT", "1"), ("BUNDLE_WITHOUT", "development:test"), ("BUNDLE_PATH", BUNDLE_PATH),
              ("RACK_ENV", "production")]  # Rails reads RACK_ENV when RAILS_ENV is unset
    settings = "ENV " + " \\\n    ".join(f"{k}={env_value(v)}" for k, v in bundle)
    task = ["# The rake task the app needs built (SECRET_KEY_BASE_DUMMY: no real secret at build time).",
            f"RUN SECRET_KEY_BASE_DUMMY=1 bundle exec rake {spec.target}", ""] if spec.target else []
    writable = (["# The app writes only here (pid files, caches, logs, uploads); the code stays read-only to it.",
                 f"RUN mkdir -p tmp log storage && chown -R {USER_UID}:{USER_UID} tmp log storage", ""]
                if spec.non_root else [])
    return [
        "# Build stage: compilers for gems with native extensions (puma, pg, nokogiri...), then the gems.",
        f"FROM {spec.base_image} AS build", "",
        "# Debian's security updates replace exact package versions; the base image's tag pins the release.",
        "# hadolint ignore=DL3008",
        "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends build-essential libyaml-dev "
        "pkg-config \\\n    && rm -rf /var/lib/apt/lists/*", "",
        "# Deployment mode: exactly Gemfile.lock's gems, without the development and test groups.",
        settings, "", f"WORKDIR {spec.workdir}", "",
        "# Gems first: Docker reuses this layer until the Gemfile or Gemfile.lock changes.",
        "COPY Gemfile Gemfile.lock ./",
        f"RUN bundle install \\\n    && rm -rf {BUNDLE_PATH}/ruby/*/cache", "",
        "COPY . .", "", *task,
        "# Final stage: Ruby, the installed gems and the app; no compilers.",
        f"FROM {runtime}", "", *env_lines(spec, bundle), f"WORKDIR {spec.workdir}", "",
        *user_lines(spec, runtime),
        f"COPY --from=build {BUNDLE_PATH} {BUNDLE_PATH}",
        f"COPY --from=build {spec.workdir} {spec.workdir}", "", *writable,
        *tail_lines(spec),
    ]
