"""A small Flask app: the example project of dockwright's README."""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return f"Hello, {os.environ.get('NAME', 'World')}!\n"


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
