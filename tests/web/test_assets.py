"""The dashboard's built files are committed: they must be what the sources build, and inside the wheel."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from .conftest import TOKEN, isolated_env

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "server" / "codecoach" / "web" / "static"
BUILT = ("dashboard.js", "dashboard.css")


def test_the_committed_bundle_is_what_the_sources_build(tmp_path):
    assert (REPO / "node_modules" / "esbuild").is_dir(), "npm ci first (make ext-deps)"
    run = subprocess.run(["node", str(REPO / "extension" / "dashboard" / "build.mjs"), "--outdir", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0, run.stderr
    for name in BUILT:
        assert (tmp_path / name).read_bytes() == (STATIC / name).read_bytes(), (
            f"server/codecoach/web/static/{name} is stale: run `npm run build:dashboard` and commit it")


def test_the_page_loads_only_its_own_files():
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert 'src="/static/dashboard.js"' in page and 'href="/static/dashboard.css"' in page
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert "https://" not in page and "http://" not in page
    css = (STATIC / "dashboard.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(http" not in css  # the shared styles are bundled in, nothing fetched
    script = (STATIC / "dashboard.js").read_text(encoding="utf-8")
    assert "acquireVsCodeApi" in script and "Chart" in script  # the VS Code summary script, Chart.js inlined


def test_the_wheel_carries_the_dashboard_and_the_rules_page_and_serves_them(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "server", source / "server", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-c", f"import setuptools.build_meta as b; print(b.build_wheel({str(wheels)!r}))"],
        cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = wheels / build.stdout.strip().splitlines()[-1]
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", *BUILT):
        assert f"codecoach/web/static/{name}" in names, name
    assert "codecoach/docs/rules.html" in names

    # Installed from the wheel (its files only, ahead of the working tree), the server serves them.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = isolated_env(tmp_path / "data", PYTHONPATH=str(site))
    where = subprocess.run([sys.executable, "-c", "import codecoach; print(codecoach.__file__)"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert where.stdout.strip().startswith(str(site)), where.stdout
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "codecoach", "web", "--port", "0", "--token", TOKEN],
                              env=env, stderr=log, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        port = None
        while time.monotonic() < deadline and port is None:
            found = re.search(r"127\.0\.0\.1:(\d+)/\?token=", (tmp_path / "server.log").read_text())
            port = int(found[1]) if found and "startup complete" in (tmp_path / "server.log").read_text() else None
            time.sleep(0.05)
        assert port, (tmp_path / "server.log").read_text()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        base = f"http://127.0.0.1:{port}"
        assert "dashboard.js" in httpx.get(base + "/", headers=auth).text
        assert httpx.get(base + "/static/dashboard.js", headers=auth).content == (STATIC / "dashboard.js").read_bytes()
        assert 'id="cc102"' in httpx.get(base + "/rules", headers=auth).text
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 0
        log.close()
