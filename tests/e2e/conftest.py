"""Fixtures for the browser tests: one private JupyterLab and one headless Chromium per test module.

The JupyterLab serves a *temporary copy* of the chapters (JupyterLab autosaves, and with jupytext it
would rewrite the paired .py files): nothing under chapters/ is ever written. Autosave is off as well. It listens on 127.0.0.1
with a random free port and a random token (authentication stays on), and reads its configuration,
settings and workspaces from private temporary folders, so a developer's own ~/.jupyter setup does not
change what the test sees.

Chromium is Debian's (`apt-get install chromium`; `./course.sh test` installs it as root). Without it
the tests are skipped with a reason, except in CI (environment variable CI set), where a missing browser
is a failure.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# JupyterLab settings for the test server: no news/update toasts, no autosave into the temp copy.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # render every cell, so that what the test looks for in the page is all there
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
# The students' environment (requirements.txt) has no nbgrader; the developers' venv has it, and its lab
# extension adds menus, a toolbar button and a side panel. Hide it so the test sees what students see.
DISABLED_LAB_EXTENSIONS = {"@jupyter/nbgrader": True}


def find_chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run: install it, "
                    "e.g. `apt-get install -y chromium`, or run ./course.sh test as root)", pytrace=False)
    pytest.skip(f"{reason}; the browser tests need it (they fail instead of skipping when CI is set)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab process serving a temporary folder `root` with `root/chapters/`."""

    def __init__(self, base: Path):
        self.base = base
        self.root = base / "root"
        (self.root / "chapters").mkdir(parents=True)
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    # --- files -------------------------------------------------------------------------------------
    def copy_chapters(self) -> None:
        """Copy chapters/ as it is *now* (others may be editing it), with the jupytext-paired .py files and
        their modification times, so JupyterLab + jupytext open each chapter as a student's does."""
        dest = self.root / "chapters"
        for src in CHAPTERS.iterdir():
            if src.name.startswith(".") or src.name in ("__pycache__", ".ipynb_checkpoints"):
                continue
            target = dest / src.name
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copy2(src, target)

    # --- process -----------------------------------------------------------------------------------
    def start(self, timeout: float = 120.0) -> None:
        config, settings = self.base / "config", self.base / "settings"
        for d in ("config/labconfig", "settings", "workspaces", "runtime", "data"):
            (self.base / d).mkdir(parents=True, exist_ok=True)
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": DISABLED_LAB_EXTENSIONS}))
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"nbgrader": False}}}))
        for rel, values in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.base / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.base / "runtime"), JUPYTER_DATA_DIR=str(self.base / "data"),
                   JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
        env.pop("JUPYTER_TOKEN", None)
        # the kernel must see the same Python environment as the server
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--LabApp.news_url=None",
               "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                for s in self.api("GET", "/api/sessions"):
                    self.api("DELETE", f"/api/sessions/{s['id']}")
            except Exception:
                pass
            os.killpg(self.proc.pid, signal.SIGTERM)   # its own session: the server and its kernels
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # --- REST --------------------------------------------------------------------------------------
    def api(self, method: str, path: str):
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def fresh_kernels(self) -> None:
        """Delete every session (and so its kernel): the next notebook opened starts a fresh kernel."""
        for s in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{s['id']}")

    def notebook_url(self, rel_path: str, workspace: str) -> str:
        # A workspace of its own per notebook: nothing from an earlier test is restored next to it.
        return f"{self.url}/lab/workspaces/{workspace}/tree/{rel_path}?reset&token={self.token}"


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _skip_or_fail("chromium is not installed")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail("the Python package playwright is not installed")
    return path


@pytest.fixture(scope="module")
def lab_server(chromium_path, tmp_path_factory):
    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    server.copy_chapters()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(chromium_path):
    """A browser context in headless Chromium (new pages per test share its HTTP cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        # a tall viewport: the notebook scrolls inside its panel, so screenshots show only the viewport
        context = b.new_context(viewport={"width": 1400, "height": 3000})
        yield context
        context.close()
        b.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
