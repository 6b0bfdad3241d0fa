"""Java with Maven (pom.xml, mvnw) or Gradle (build.gradle / build.gradle.kts, gradlew): a build stage makes the
jar (with the project's wrapper when it has one, so the build tool's version is the project's); the final stage is
a JRE image with the jar alone: no JDK, no build tool, no source.

Which way the build runs is read from the build stage's image, so the Dockerfile stays a function of the plan:
``maven:...`` / ``gradle:...`` images run ``mvn`` / ``gradle``; a plain JDK image (``eclipse-temurin:21-jdk``)
runs the wrapper, ``./mvnw`` / ``./gradlew``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import env_lines, tail_lines, user_lines

LANGUAGE = "java"
DEFAULT_JAVA = "21"  # an LTS Java with years of updates ahead
MAVEN_IMAGE = "maven:3.9-eclipse-temurin-{v}"
GRADLE_IMAGE = "gradle:8.14-jdk{v}"
JDK_IMAGE = "eclipse-temurin:{v}-jdk"
JRE_IMAGE = "eclipse-temurin:{v}-jre"
DEFAULT_PORT = 8080
JAR = "/app/app.jar"
TEACHING = ("Java: a build stage with the JDK runs the project's wrapper (mvnw, gradlew) or Maven/Gradle, fetching the "
            "dependencies in their own cached layer before the source; the image you ship is a JRE with the jar alone, "
            "run as a non-root user. Artifact: the jar the build makes (target/app-1.0.jar, build/libs/app.jar).")
IGNORES = ("**/target", "**/build", "**/.gradle", "**/out", "**/.idea", "**/*.iml", "**/*.class")
DEFAULTS: dict[str, Any] = {"base_image": MAVEN_IMAGE.format(v=DEFAULT_JAVA), "runtime_image": JRE_IMAGE.format(
    v=DEFAULT_JAVA), "tool": "maven", "target": "target/*.jar", "port": DEFAULT_PORT, "command": ("java", "-jar", JAR)}

_GRADLE_FILES = ("build.gradle.kts", "build.gradle")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _tag(xml: str, name: str) -> str | None:
    m = re.search(rf"<{name}>\s*([^<]+?)\s*</{name}>", xml)
    return m.group(1) if m else None


def _project_tag(pom: str, name: str) -> str | None:
    """A tag of the project itself, not of its <parent> or a dependency's."""
    body = re.sub(r"<(parent|dependencies|dependencyManagement|build|profiles)>.*?</\1>", "", pom, flags=re.S)
    return _tag(body, name)


def _java_version(pom: str, gradle: str) -> tuple[str | None, str]:
    """(version, where it was found) from pom.xml's properties or Gradle's toolchain / compatibility."""
    for name in ("java.version", "maven.compiler.release", "maven.compiler.target", "maven.compiler.source"):
        value = _tag(pom, re.escape(name))
        if value:
            return value.removeprefix("1."), f"pom.xml's <{name}>"
    m = re.search(r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)", gradle)
    if m:
        return m.group(1), "The Gradle toolchain (JavaLanguageVersion.of)"
    m = re.search(r"(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_(?:1_)?(\d+)|['\"]?(?:1\.)?(\d+))",
                  gradle)
    if m:
        return m.group(1) or m.group(2), "Gradle's sourceCompatibility"
    return None, ""


def _spring_port(root: Path) -> int | None:
    resources = root / "src" / "main" / "resources"
    m = re.search(r"^\s*server\.port\s*[=:]\s*(\d{2,5})\s*$", _read(resources / "application.properties"), re.M)
    if m:
        return int(m.group(1))
    for name in ("application.yml", "application.yaml"):
        m = re.search(r"^server:\s*\n(?:\s+.*\n)*?\s+port:\s*(\d{2,5})\b", _read(resources / name), re.M)
        if m:
            return int(m.group(1))
    return None


def _maven_artifact(pom: str) -> str | None:
    final = _tag(pom, "finalName")
    artifact, version = _project_tag(pom, "artifactId"), _project_tag(pom, "version")
    packaging = _project_tag(pom, "packaging") or "jar"
    if packaging != "jar":
        return None
    if final and "${" not in final:
        return f"target/{final}.jar"
    if artifact and version and "${" not in artifact + version:
        return f"target/{artifact}-{version}.jar"
    return None


def _gradle_app(root: Path) -> str | None:
    """The sub-project holding the build of a `gradle init` layout (settings at the root, the build in app/)."""
    settings = _read(root / "settings.gradle.kts") + _read(root / "settings.gradle")
    for name in re.findall(r"""include\s*\(?\s*['"]:?([\w-]+)['"]""", settings):
        if any((root / name / f).is_file() for f in _GRADLE_FILES):
            return str(name)
    return None


def _gradle_artifact(root: Path, gradle: str, sub: str | None) -> str | None:
    settings = _read(root / "settings.gradle.kts") + _read(root / "settings.gradle")
    m = re.search(r"rootProject\.name\s*=\s*['\"]([^'\"]+)['\"]", settings)
    name = sub or (m.group(1) if m else root.resolve().name)
    v = re.search(r"^version\s*=\s*['\"]([^'\"]+)['\"]", gradle, re.M)
    libs = f"{sub}/build/libs" if sub else "build/libs"
    return f"{libs}/{name}-{v.group(1)}.jar" if v else f"{libs}/{name}.jar"


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    pom = _read(root / "pom.xml")
    gradle_file = next((name for name in _GRADLE_FILES if (root / name).is_file()), None)
    sub = _gradle_app(root) if not pom and gradle_file is None else None
    if sub:
        gradle_file = next(f"{sub}/{name}" for name in _GRADLE_FILES if (root / sub / name).is_file())
        notes.append(f"The build is in {gradle_file} (a sub-project of settings.gradle): the image builds it from "
                     f"the root and runs {sub}'s jar. The dependency layer sees the root's build files only.")
    if not pom and gradle_file is None:
        return None
    gradle = _read(root / gradle_file) if gradle_file else ""
    tool = "maven" if pom else "gradle"
    wrapper = "mvnw" if tool == "maven" else "gradlew"
    has_wrapper = (root / wrapper).is_file()
    version, where = _java_version(pom, gradle)
    if version and version.isdigit():
        notes.append(f"{where} is {version}, so the image builds and runs on Java {version}.")
    else:
        version = DEFAULT_JAVA
        notes.append(f"No Java version was found (<java.version> in pom.xml, a Gradle toolchain), so the image uses "
                     f"Java {DEFAULT_JAVA}, a supported LTS; set it in the build file to choose.")
    described = f"{'pom.xml' if tool == 'maven' else gradle_file}: the build tool is {tool}"
    if has_wrapper:
        base = JDK_IMAGE.format(v=version)
        notes.append(f"{described} with its wrapper ./{wrapper}, so the build stage ({base}) runs the wrapper "
                     f"and builds with the {tool.title()} version the project pins.")
    else:
        base = (MAVEN_IMAGE if tool == "maven" else GRADLE_IMAGE).format(v=version)
        notes.append(f"{described} without a wrapper ({wrapper}), so the build stage is {base}, which has "
                     f"{tool.title()} installed.")
    runtime = JRE_IMAGE.format(v=version)
    notes.append(f"The final image is {runtime}: a Java runtime and the jar, without the JDK or {tool.title()}.")
    spring = "spring-boot" in pom or "org.springframework.boot" in gradle
    target = _maven_artifact(pom) if tool == "maven" else _gradle_artifact(root, gradle, sub)
    if target:
        notes.append(f"The build makes {target} (from the build file's name and version); the image runs it "
                     "with `java -jar`.")
    else:
        target = "target/*.jar" if tool == "maven" else "build/libs/*.jar"
        notes.append(f"The jar's name could not be read from the build file, so the image takes {target}: set "
                     "dockerfile.target (the Artifact field) if the build makes more than one jar.")
    if not spring and "mainClass" not in pom + gradle and "Main-Class" not in pom + gradle:
        notes.append("No Spring Boot and no Main-Class in the build file: `java -jar` needs the jar's manifest to "
                     "name the main class (maven-jar-plugin's <mainClass>, Gradle's jar { manifest { ... } }).")
    port = _spring_port(root) if spring else None
    if port:
        notes.append(f"Spring Boot's server.port is {port}; the Dockerfile exposes it.")
    else:
        port = DEFAULT_PORT
        notes.append(f"The Dockerfile exposes {DEFAULT_PORT}" + (", Spring Boot's default port" if spring else
                     "; change the Port if the app listens elsewhere") + ".")
    return {"language": LANGUAGE, "base_image": base, "runtime_image": runtime, "tool": tool, "target": target,
            "port": port, "command": ("java", "-jar", JAR), "framework": "spring-boot" if spring else None}


def _build_lines(spec: DockerfileSpec) -> list[str]:
    """Copy the build files, fetch the dependencies (their own layer), copy the source, build the jar."""
    image = spec.base_image.rsplit("/", 1)[-1]
    if spec.tool == "gradle":
        uses_wrapper = not image.startswith("gradle:")
        run = "./gradlew" if uses_wrapper else "gradle"
        cache = "--mount=type=cache,target=/root/.gradle"
        files = (["COPY gradlew settings.gradle* build.gradle* ./", "COPY gradle gradle"] if uses_wrapper
                 else ["COPY settings.gradle* build.gradle* ./"])
        return [*files, f"RUN {cache} {run} dependencies --no-daemon", "", "COPY . .",
                f"RUN {cache} {run} assemble --no-daemon -x test \\"]
    uses_wrapper = not image.startswith("maven:")
    run = "./mvnw" if uses_wrapper else "mvn"
    cache = "--mount=type=cache,target=/root/.m2"
    files = ["COPY mvnw pom.xml ./", "COPY .mvn .mvn"] if uses_wrapper else ["COPY pom.xml ./"]
    return [*files, f"RUN {cache} {run} --batch-mode dependency:go-offline", "", "COPY . .",
            f"RUN {cache} {run} --batch-mode package -DskipTests \\"]


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or JRE_IMAGE.format(v=DEFAULT_JAVA)
    artifact = spec.target or ("build/libs/*.jar" if spec.tool == "gradle" else "target/*.jar")
    return [
        "# Build stage: the JDK and the build tool make the jar.",
        f"FROM {spec.base_image} AS build", "", "WORKDIR /src", "",
        "# Build files first: Docker reuses the dependencies layer until they change.",
        *_build_lines(spec),
        f"    && cp {artifact} {JAR.rsplit('/', 1)[-1]}", "",
        "# Final stage: a Java runtime and the jar; no JDK, build tool or source.",
        f"FROM {runtime}", "", *env_lines(spec), f"WORKDIR {spec.workdir}", "",
        *user_lines(spec, runtime),
        f"COPY --from=build /src/{JAR.rsplit('/', 1)[-1]} {JAR}", "",
        *tail_lines(spec, about_cmd=("The JVM sizes its heap from the container's memory limit; java is PID 1 "
                                     "and stops on SIGTERM.",)),
    ]
