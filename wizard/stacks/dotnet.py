""".NET (a *.csproj, or a *.sln naming several projects): a build stage on the SDK image restores the project's
NuGet packages (its own layer), then ``dotnet publish``es it; the final stage is the ASP.NET runtime image (the
.NET runtime image for a console app) with the published files alone: no SDK, no compiler, no source.

``dockerfile.target`` is the project file to publish (``src/Shop.Web/Shop.Web.csproj``). The app runs as the
images' own unprivileged ``app`` user (uid 1654, .NET 8 and later) and listens on 8080, their default.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import env_lines, tail_lines, user_lines

LANGUAGE = "dotnet"
DEFAULT_DOTNET = "10.0"  # the current LTS
SDK_IMAGE = "mcr.microsoft.com/dotnet/sdk:{v}"
ASPNET_IMAGE = "mcr.microsoft.com/dotnet/aspnet:{v}"
RUNTIME_IMAGE = "mcr.microsoft.com/dotnet/runtime:{v}"
APP_UID = "1654"  # the .NET 8+ images' app user ($APP_UID), by number
PORT = 8080  # ASPNETCORE_HTTP_PORTS in the .NET 8+ images
TEACHING = (".NET: the SDK image restores the project's NuGet packages in their own cached layer, then dotnet "
            "publish builds it; the image you ship is the ASP.NET runtime with the published files, no SDK, run as "
            "the image's non-root app user on port 8080. Project file: the .csproj to publish.")
IGNORES = ("**/bin", "**/obj", "**/.vs", "**/*.user", "**/TestResults", "**/appsettings.Development.json")
DEFAULTS: dict[str, Any] = {"base_image": SDK_IMAGE.format(v=DEFAULT_DOTNET), "runtime_image": ASPNET_IMAGE.format(
    v=DEFAULT_DOTNET), "tool": "dotnet", "target": "App.csproj", "port": PORT, "command": ("dotnet", "App.dll")}
_SLN_PROJECT = re.compile(r'^Project\("[^"]*"\)\s*=\s*"[^"]*",\s*"([^"]+\.csproj)"', re.M)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig", errors="replace") if path.is_file() else ""


def _projects(root: Path, notes: list[str]) -> list[str]:
    """The project files: those a .sln (or .slnx) names, else the *.csproj at the root."""
    for sln in sorted(root.glob("*.sln")) + sorted(root.glob("*.slnx")):
        text = _read(sln)
        listed = [p.replace("\\", "/") for p in _SLN_PROJECT.findall(text)]
        listed += [p.replace("\\", "/") for p in re.findall(r'<Project\s+Path="([^"]+\.csproj)"', text)]
        listed = [p for p in listed if (root / p).is_file()]
        if listed:
            notes.append(f"{sln.name} names {len(listed)} project(s): {', '.join(listed)}.")
            return listed
    return sorted(p.name for p in root.glob("*.csproj"))


def _is_web(project: str) -> bool:
    return 'Sdk="Microsoft.NET.Sdk.Web"' in project


def _is_test(project: str) -> bool:
    return "Microsoft.NET.Test.Sdk" in project or "<IsTestProject>true" in project


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    mine: list[str] = []
    projects = _projects(root, mine)
    if not projects:
        return None
    notes += mine
    texts = {p: _read(root / p) for p in projects}
    apps = [p for p in projects if _is_web(texts[p])] or [p for p in projects if "<OutputType>Exe" in texts[p]
                                                           and not _is_test(texts[p])]
    target = (apps or projects)[0]
    text = texts[target]
    web = _is_web(text)
    if len(projects) > 1:
        kind = "web project" if web else "application" if apps else "project"
        notes.append(f"The image publishes {target}, the first {kind}; set dockerfile.target (the Project file field) "
                     "to publish another. Its project references are built with it.")
    else:
        notes.append(f"{target} is the project; the image publishes it with `dotnet publish -c Release`.")
    m = re.search(r"<TargetFrameworks?>\s*net(\d+\.\d+)", text)
    version = m.group(1) if m else DEFAULT_DOTNET
    if m:
        notes.append(f"{target}'s TargetFramework is net{version}, so the build uses {SDK_IMAGE.format(v=version)}.")
    else:
        notes.append(f"No TargetFramework netX.Y was found in {target}, so the build uses "
                     f"{SDK_IMAGE.format(v=DEFAULT_DOTNET)} (the current LTS).")
    if float(version) < 8:
        notes.append(f".NET {version} no longer gets security fixes: move the project to net8.0 or later. Its images "
                     "have no app user and listen on 80, so the Dockerfile makes a user and sets ASPNETCORE_URLS.")
    runtime = (ASPNET_IMAGE if web else RUNTIME_IMAGE).format(v=version)
    notes.append(f"The final image is {runtime}: the .NET runtime{' with ASP.NET Core' if web else ''} and the "
                 "published app, without the SDK.")
    assembly = re.search(r"<AssemblyName>\s*([^<]+?)\s*</AssemblyName>", text)
    dll = f"{assembly.group(1) if assembly else PurePosixPath(target).stem}.dll"
    notes.append(f"The image runs `dotnet {dll}`, the assembly the project publishes.")
    if (root / "Directory.Packages.props").is_file():
        notes.append("Directory.Packages.props (central package versions) is not copied before the restore step: "
                     "add it to the Dockerfile's first COPY, or the restore fails.")
    port = PORT if web else None
    if web:
        notes.append(f"ASP.NET Core in the image listens on {PORT} (the images' ASPNETCORE_HTTP_PORTS); launchSettings."
                     "json's ports are for development only.")
    return {"language": LANGUAGE, "base_image": SDK_IMAGE.format(v=version), "runtime_image": runtime,
            "tool": "dotnet", "target": target, "port": port, "command": ("dotnet", dll),
            "framework": "aspnetcore" if web else None}


def _legacy(image: str) -> bool:
    """Whether the image is a .NET 7 or older one: no app user, port 80."""
    m = re.search(r"dotnet/\w+:(\d+)\.", image)
    return m is not None and int(m.group(1)) < 8


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or ASPNET_IMAGE.format(v=DEFAULT_DOTNET)
    project = spec.target or "App.csproj"
    folder = str(PurePosixPath(project).parent)
    dest = "./" if folder == "." else f"{folder}/"
    nuget = "--mount=type=cache,target=/root/.nuget/packages"
    legacy = _legacy(runtime)
    preset = [("ASPNETCORE_URLS", f"http://+:{spec.port}")] if spec.port and (legacy or spec.port != PORT) else []
    return [
        "# Build stage: the .NET SDK restores and publishes the app.",
        f"FROM {spec.base_image} AS build", "", "WORKDIR /src", "",
        "# The project file first: Docker reuses the restored packages until it changes.",
        f"COPY {project} {dest}",
        f"RUN {nuget} dotnet restore {project}", "",
        "COPY . .",
        f"RUN {nuget} dotnet publish {project} -c Release -o /app/publish /p:UseAppHost=false", "",
        "# Final stage: the runtime and the published app; no SDK, no compiler, no source.",
        f"FROM {runtime}", "", *env_lines(spec, preset), f"WORKDIR {spec.workdir}", "",
        *(user_lines(spec, runtime) if legacy else []),
        f"COPY --from=build /app/publish {spec.workdir}", "",
        *tail_lines(spec, user=None if legacy else APP_UID,
                    about_cmd=("dotnet stops on SIGTERM: ASP.NET Core finishes the requests in flight.",)),
    ]
