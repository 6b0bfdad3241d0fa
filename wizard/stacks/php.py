"""PHP with composer (composer.json): a build stage on the composer image installs the dependencies without the
development ones; the final stage is the official PHP image with Apache (or php-fpm), without composer.

Apache serves ``dockerfile.target`` (``public`` for Laravel, Symfony, Slim, or ``.``) on port 8080 as www-data:
an unprivileged user cannot bind port 80, so the image's Apache is moved to 8080. A ``php:*-fpm`` runtime image
runs php-fpm instead (FastCGI on 9000), for a web server in front of it (nginx, Caddy).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import env_lines, tail_lines

LANGUAGE = "php"
DEFAULT_PHP = "8.4"
SUPPORTED = ("8.1", "8.2", "8.3", "8.4")
COMPOSER_IMAGE = "composer:2.8"
PORT = 8080
FPM_PORT = 9000
WWW = "/var/www/html"
WWW_DATA = "33:33"  # the PHP images' www-data user, by number: Apache's folders in the image belong to it
TEACHING = ("PHP: composer installs the dependencies without the development ones in a build stage; the image you "
            "ship is PHP with Apache (no composer) running as www-data on port 8080, with PHP's production settings. "
            "Document root: the folder Apache serves (public for Laravel and Symfony). A php-fpm runtime image "
            "needs a web server in front of it.")
IGNORES = ("**/vendor", "**/node_modules", "**/var/cache", "**/var/log", "**/storage/logs/*",
           "**/storage/framework/cache/*", "**/.phpunit.cache", "**/.phpunit.result.cache")
DEFAULTS: dict[str, Any] = {"base_image": COMPOSER_IMAGE, "runtime_image": f"php:{DEFAULT_PHP}-apache",
                            "tool": "composer", "target": ".", "port": PORT, "command": ("apache2-foreground",)}


def _php_version(constraint: str) -> str | None:
    """The PHP version for a composer constraint: ``^8.2`` -> 8.2, ``>=8.1`` -> the default, ``8.3.*`` -> 8.3."""
    m = re.search(r"(\d+)\.(\d+)", constraint)
    if not m:
        return None
    found = f"{m.group(1)}.{m.group(2)}"
    if re.match(r"\s*>", constraint) or found not in SUPPORTED:
        return DEFAULT_PHP
    return found


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    path = root / "composer.json"
    if not path.is_file():
        return None
    try:
        composer = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        notes.append(f"composer.json is not valid JSON (line {exc.lineno}: {exc.msg}); fix it, or the build fails.")
        composer = {}
    require = composer.get("require") if isinstance(composer, dict) else None
    constraint = str(require.get("php", "")) if isinstance(require, dict) else ""
    version = _php_version(constraint) if constraint else None
    old = re.search(r"\d+\.\d+", constraint)
    if version and old and old.group(0) not in SUPPORTED and version == DEFAULT_PHP and not constraint.startswith(">"):
        notes.append(f"composer.json requires PHP {constraint!r}: that PHP no longer gets security fixes, so the image "
                     f"uses php:{version}-apache; check that the app runs on PHP {version}.")
    elif version:
        notes.append(f"composer.json requires PHP {constraint!r}, so the final image is php:{version}-apache.")
    else:
        version = DEFAULT_PHP
        notes.append(f"composer.json does not require a PHP version, so the final image is php:{DEFAULT_PHP}-apache, "
                     "a supported PHP; add \"php\": \"^8.3\" to require to choose.")
    if (root / "composer.lock").is_file():
        notes.append("composer.lock is there: the build installs exactly the locked packages.")
    else:
        notes.append("No composer.lock: run `composer update` once and commit composer.lock, so every build installs "
                     "the same versions.")
    notes.append(f"The build stage ({COMPOSER_IMAGE}) runs composer install --no-dev; composer and the development "
                 "packages stay out of the final image.")
    target = "public" if (root / "public" / "index.php").is_file() else "."
    if target == "public":
        notes.append("public/index.php is the front controller, so Apache's document root is public/ and the rest "
                     "of the code (config, .env, vendor) is out of the web's reach.")
    elif not (root / "index.php").is_file():
        notes.append("No index.php or public/index.php was found: set dockerfile.target to the folder Apache serves.")
    else:
        notes.append("index.php at the root: Apache serves the whole folder.")
    if (root / "artisan").is_file():
        notes.append("A Laravel app writes storage/ and bootstrap/cache/: give www-data those folders "
                     "(RUN chown -R www-data storage bootstrap/cache), or it fails on the first request.")
    notes.append(f"Apache runs as www-data (uid 33) on port {PORT} (an unprivileged user cannot bind 80); the Dockerfile "
                 "exposes it.")
    return {"language": LANGUAGE, "base_image": COMPOSER_IMAGE, "runtime_image": f"php:{version}-apache",
            "tool": "composer", "target": target, "port": PORT, "command": ("apache2-foreground",)}


def _server_lines(spec: DockerfileSpec, runtime: str) -> list[str]:
    """php.ini for production, and Apache on the unprivileged port serving the document root."""
    ini = 'RUN mv "$PHP_INI_DIR/php.ini-production" "$PHP_INI_DIR/php.ini"'
    if "fpm" in runtime:
        return ["# PHP's production settings: no errors shown to visitors.", ini, ""]
    root = (spec.target or ".").strip("/")
    docroot = WWW if root in ("", ".") else f"{WWW}/{root}"
    port = spec.port or PORT
    lines = ["# PHP's production settings (no errors shown to visitors); Apache listens on an unprivileged port."]
    edits = [ini, f"sed -ri -e 's/^Listen 80$/Listen {port}/' -e 's/:80>/:{port}>/' /etc/apache2/ports.conf "
                  "/etc/apache2/sites-available/000-default.conf"]
    if docroot != WWW:
        edits.append(f"sed -ri 's#{WWW}#{docroot}#' /etc/apache2/sites-available/*.conf")
    return [*lines, edits[0] + "".join(f" \\\n    && {e}" for e in edits[1:]), ""]


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or f"php:{DEFAULT_PHP}-apache"
    cache = "--mount=type=cache,target=/tmp/cache"  # the composer image's COMPOSER_HOME is /tmp
    flags = "--no-dev --no-interaction --prefer-dist --ignore-platform-reqs"
    return [
        "# Build stage: composer installs the dependencies, without the development ones.",
        f"FROM {spec.base_image} AS build", "", "WORKDIR /app", "",
        "# Dependencies first: Docker reuses this layer until composer.json or composer.lock changes.",
        "# The PHP version and extensions are the final image's, not the composer image's: not checked here.",
        "COPY composer.* ./",
        f"RUN {cache} composer install {flags} --no-scripts --no-autoloader", "",
        "COPY . .",
        "RUN composer dump-autoload --no-dev --optimize --classmap-authoritative", "",
        "# Final stage: PHP and the web server; composer stays behind in the build stage.",
        f"FROM {runtime}", "", *env_lines(spec), *_server_lines(spec, runtime),
        f"WORKDIR {WWW}", "",
        f"COPY --from=build /app {WWW}", "",
        *tail_lines(spec, user=WWW_DATA),
    ]
