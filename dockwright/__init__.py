"""dockwright: from "no container, no CI" to a watched, green GitLab pipeline that builds and pushes an image.

Everything installs under this one package. The repository keeps one top-level folder per part, mapped here by
setuptools' ``package-dir`` (see pyproject.toml):

- ``dockwright.wizard``  (``wizard/``):  the onboarding core, no UI;
- ``dockwright.screens`` (``screens/``): the Textual front-end;
- ``dockwright.sandbox`` (``sandbox/``): the practice GitLab on 127.0.0.1, a product of its own beside the core;
- ``dockwright.assets``  (``assets/``):  TCSS and the teaching pages.
"""
