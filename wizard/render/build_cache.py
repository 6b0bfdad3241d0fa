"""A build cache that outlives the job's daemon (``pipeline.build_cache``, opt-in). Pure: no I/O.

Every DinD job starts a new daemon, so ``docker build`` begins from nothing each time; BuildKit can keep its
layer cache in the registry instead and read it back in the next job:

- daemon methods (DinD with or without TLS, socket binding, the shell runner's host) follow GitLab's "Docker
  registry caching example" (doc/ci/docker/docker_layer_caching.md, https://docs.gitlab.com/ci/docker/docker_layer_caching/)
  and "Use build caching" (doc/ci/docker/using_buildkit.md): ``docker buildx create --driver docker-container``, then
  ``docker buildx build --push --cache-from type=registry,ref=… --cache-to type=registry,ref=…,mode=max``. GitLab's
  page notes that from Docker 27.0.1 the default ``docker`` build driver supports cache backends only with the
  containerd image store, which a ``docker:dind`` service does not turn on: hence the ``docker-container`` builder.
  The cache is the tag ``:buildcache`` of the image's own repository (no second repository to create or allow).
  On the socket and shell methods the builder is a container on the host's daemon, removed in ``after_script``;
  there the host's own layer cache already survives between jobs, so the registry cache helps when several
  runners (or a pruned host) build the same image.
- BuildKit rootless: ``--import-cache``/``--export-cache type=registry`` (the page's "Use caching in rootless
  mode"), the same ``:buildcache`` tag.
- Buildah: ``--layers --cache-from REPO --cache-to REPO`` (buildah-build(1)); Buildah keeps its cache in a
  repository of its own, not a tag: ``<image>/buildcache`` (Docker Hub has no nested repositories:
  ``<user/app>-buildcache``).
- ECR stores BuildKit's cache only as an image manifest (``image-manifest=true,oci-mediatypes=true``, AWS's
  "remote cache" support); the other registries take the default cache index.

Opt-in, not the default: it writes one more (large, with ``mode=max``) image to the registry on every build,
pulls BuildKit's own image from Docker Hub for the builder, and needs ``buildx`` on a shell runner's host.
Without the registry's credentials (an unprotected branch) the job reads the cache and writes none.
"""

from __future__ import annotations

from dockwright.wizard.plan import Plan

CACHE_TAG = "buildcache"
BUILDER = "dockwright-$CI_JOB_ID"  # one builder per job: on a shared host daemon two jobs never share one
# What a daemon-method job runs before the build: GitLab's pages' docker-container builder.
CREATE_BUILDER = f'docker buildx create --use --driver docker-container --name "{BUILDER}"'
REMOVE_BUILDER = f'docker buildx rm "{BUILDER}"'


def enabled(plan: Plan) -> bool:
    return plan.pipeline.build_cache


def cache_ref(plan: Plan, image: str) -> str:
    """Where the cache lives: a tag of the image's repository, or (Buildah) a repository of its own."""
    if plan.build_method == "buildah":
        return f"{image}-{CACHE_TAG}" if plan.registry.kind == "dockerhub" else f"{image}/{CACHE_TAG}"
    return f"{image}:{CACHE_TAG}"


def _export_options(plan: Plan) -> str:
    return "mode=max,image-manifest=true,oci-mediatypes=true" if plan.registry.kind == "ecr" else "mode=max"


def cache_from(plan: Plan, image: str) -> str:
    """``--cache-from`` (daemon methods) or ``--import-cache`` (BuildKit rootless) with its value."""
    flag = "--import-cache" if plan.build_method == "buildkit-rootless" else "--cache-from"
    return f'{flag} "type=registry,ref={cache_ref(plan, image)}"'


def cache_to(plan: Plan, image: str, *, quoted: bool = True) -> str:
    """``--cache-to`` or ``--export-cache`` with its value; ``quoted=False`` for an ``echo`` in ``$(...)``, whose
    output is split into words with no quote removal."""
    flag = "--export-cache" if plan.build_method == "buildkit-rootless" else "--cache-to"
    value = f"type=registry,ref={cache_ref(plan, image)},{_export_options(plan)}"
    return f'{flag} "{value}"' if quoted else f"{flag} {value}"


def buildah_options(plan: Plan, image: str, *, write: bool) -> str:
    repo = cache_ref(plan, image)
    return f'--layers --cache-from "{repo}"' + (f' --cache-to "{repo}"' if write else "")


def docker_build_lines(plan: Plan, options: str, tags: tuple[str, str], context: str, skip: list[str]) -> list[str]:
    """The build with the registry cache, for the daemon methods. ``options`` are ``-f`` and the labels; ``skip``
    the lines that end the job without the registry's credentials: then the build reads the cache and pushes
    nothing (it could write no cache either)."""
    image = tags[0].rpartition(":")[0]
    tag_opts = " ".join(f'-t "{t}"' for t in tags)
    read = f"docker buildx build --pull {options}{cache_from(plan, image)} {tag_opts} {context}"
    full = (f"docker buildx build --pull --push {options}{cache_from(plan, image)} {cache_to(plan, image)} "
            f"{tag_opts} {context}")
    if not skip:
        return [CREATE_BUILDER, full]
    guard = skip[-1].removesuffix(" exit 0")  # `test -n "$VAR" ||`
    return [CREATE_BUILDER, skip[0], f"{guard} {read}", skip[-1], full]


def needs_builder_removed(plan: Plan) -> bool:
    """The builder container runs on a daemon that outlives the job (socket binding, the shell runner's host)."""
    return enabled(plan) and plan.build_method in ("socket", "host")
