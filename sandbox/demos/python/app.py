"""A tiny web app: says hello, and answers a health check."""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return f"Hello, {os.environ.get('NAME', 'World')}!\n"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "80")))
