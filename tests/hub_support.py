"""A private JupyterHub on 127.0.0.1 for the class test and the hub benchmark.

The pieces are the ones the README tells a teacher to use: JupyterHub with the shared-password
authenticator and SimpleLocalProcessSpawner (every student a hub user with their own home folder),
configurable-http-proxy from npm, nbgitpuller in the single-user servers, and a bare clone of this
repository as "the course's public repository". A `Student` does what a browser does: follows the
nbgitpuller link, logs in, waits for the server, reads the git-pull page's event stream, opens the
page the link ends on, and runs a chapter through the kernel websocket.

Nothing here listens anywhere but 127.0.0.1; every loop is bounded by a deadline.
"""
from __future__ import annotations

import contextlib
import fcntl
import html.parser
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PROXY_PACKAGE = "configurable-http-proxy@5.3"
# npm installs the proxy inside the running virtual environment (git-ignored, shared by later runs)
PROXY_DIR = (Path(sys.prefix) if sys.prefix != sys.base_prefix else ROOT / ".venv") / "hub-proxy"
PASSWORD = "class-test-" + secrets.token_hex(6)

# The single-user server settings the README gives teachers (section "A class on a JupyterHub").
# ipc: with TCP, kernels of different servers race for the same free port ("Address already in use").
SINGLEUSER_ARGS = ["--KernelManager.transport=ipc"]
SINGLEUSER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


class HubError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------------------
# Setup: the proxy from npm, the course as a bare repository, the README's link recipe
# ----------------------------------------------------------------------------------------------

def node_missing_reason() -> str | None:
    """Why the hub cannot run here (no node/npm for configurable-http-proxy), or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not found: JupyterHub's proxy (configurable-http-proxy) "
                "is a node program; install Node.js (tested with 20) to run the class test")
    return None


def ensure_proxy(prefix: Path = PROXY_DIR) -> Path:
    """configurable-http-proxy installed with npm into `prefix` (once; a file lock serialises runs)."""
    binary = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists():
            result = subprocess.run(
                ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                 "--loglevel=error", PROXY_PACKAGE],
                capture_output=True, text=True, timeout=300)
            if result.returncode != 0 or not binary.exists():
                raise HubError(f"npm install {PROXY_PACKAGE} failed:\n{result.stdout}\n{result.stderr}")
    return binary


def git(*args, cwd=None, check=True) -> str:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LANG="C",
               GIT_AUTHOR_NAME="Teacher", GIT_AUTHOR_EMAIL="teacher@example.org",
               GIT_COMMITTER_NAME="Teacher", GIT_COMMITTER_EMAIL="teacher@example.org")
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=120)
    if check and result.returncode != 0:
        raise HubError(f"git {' '.join(args)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def is_git_checkout(path: Path = ROOT) -> bool:
    return shutil.which("git") is not None and subprocess.run(
        ["git", "rev-parse", "--verify", "HEAD"], cwd=path, capture_output=True).returncode == 0


def public_repository(dest: Path, source: Path = ROOT) -> tuple[Path, str]:
    """A bare clone of this repository's committed state: the 'public repository' students pull.

    Returns (path of the bare repository ending in .git, its branch)."""
    bare = dest / "backprop-course.git"
    git("clone", "--bare", "--quiet", "--no-hardlinks", str(source), str(bare))
    branch = git("symbolic-ref", "--short", "HEAD", cwd=bare)
    return bare, branch


def readme_link_recipe(readme: Path = ROOT / "README.md"):
    """The function `course_link` exactly as the README prints it for teachers (executed from the
    README's own code block, so the test and the README cannot drift apart)."""
    text = readme.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    recipe = [b for b in blocks if "def course_link(" in b]
    if len(recipe) != 1:
        raise HubError("README.md must contain exactly one ```python block defining course_link(); "
                       f"found {len(recipe)}")
    namespace: dict = {}
    code = "\n".join(line for line in recipe[0].splitlines() if not line.startswith("print("))
    exec(compile(code, "README.md (course_link)", "exec"), namespace)
    return namespace["course_link"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# The hub
# ----------------------------------------------------------------------------------------------

@dataclass
class Hub:
    workdir: Path
    users: list[str]
    proxy: Path
    singleuser_args: list[str] = field(default_factory=lambda: list(SINGLEUSER_ARGS))
    singleuser_env: dict = field(default_factory=lambda: dict(SINGLEUSER_ENV))
    start_timeout: int = 300   # seconds the hub waits for a single-user server (many start at once)
    proc: subprocess.Popen | None = None

    def __post_init__(self):
        self.workdir = Path(self.workdir)
        self.port = free_port()
        self.hub_port = free_port()
        self.api_port = free_port()
        while len({self.port, self.hub_port, self.api_port}) < 3:
            self.hub_port, self.api_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.log_path = self.workdir / "jupyterhub.log"

    def home(self, user: str) -> Path:
        return self.workdir / "home" / user

    def write_config(self) -> Path:
        w = self.workdir
        root_args = ["--allow-root"] if os.geteuid() == 0 else []
        config = f"""
c = get_config()  # noqa
c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = {self.port}
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = {self.hub_port}
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.api_port}'
c.ConfigurableHTTPProxy.command = [{str(self.proxy)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(w / 'proxy.pid')!r}
c.JupyterHub.db_url = 'sqlite:///' + {str(w / 'jupyterhub.sqlite')!r}
c.JupyterHub.cookie_secret_file = {str(w / 'cookie_secret')!r}
c.JupyterHub.authenticator_class = 'shared-password'
c.SharedPasswordAuthenticator.user_password = {PASSWORD!r}
c.Authenticator.allowed_users = set({self.users!r})
c.JupyterHub.spawner_class = 'simple'
c.SimpleLocalProcessSpawner.home_dir_template = {str(w / 'home' / '{username}')!r}
c.Spawner.cmd = [{str(VENV_BIN / 'jupyterhub-singleuser')!r}]
c.Spawner.ip = '127.0.0.1'
c.Spawner.args = {root_args + self.singleuser_args!r}
c.Spawner.default_url = '/lab'
c.Spawner.start_timeout = {self.start_timeout}
c.Spawner.http_timeout = {self.start_timeout}
c.Spawner.environment = dict({self.singleuser_env!r},
    # the development environment has nbgrader; students' environment does not: its server extensions off
    JUPYTER_CONFIG_DIR={str(w / 'jupyter-config')!r},
    # ipc socket paths must stay below 107 characters: a short runtime folder per student
    JUPYTER_RUNTIME_DIR=lambda spawner: {str(w / 'rt')!r} + '/' + spawner.user.name)
c.JupyterHub.services = [{{'name': 'class-test', 'api_token': {self.token!r}}}]
c.JupyterHub.load_roles = [{{'name': 'class-test', 'services': ['class-test'],
    'scopes': ['admin:users', 'admin:servers', 'tokens', 'access:servers', 'list:users']}}]
"""
        server_config = w / "jupyter-config"
        server_config.mkdir(exist_ok=True)
        extensions = {f"nbgrader.server_extensions.{name}": False for name in
                      ("assignment_list", "course_list", "formgrader", "validate_assignment")}
        (server_config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": extensions}}))
        path = w / "jupyterhub_config.py"
        path.write_text(config)
        return path

    def start(self, timeout: float = 90):
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "home").mkdir(exist_ok=True)
        config = self.write_config()
        env = dict(os.environ)
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTERHUB_API_TOKEN"):
            env.pop(key, None)
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)], cwd=self.workdir, env=env,
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HubError(f"jupyterhub exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return self
            time.sleep(0.5)
        raise HubError(f"jupyterhub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=kwargs.pop("timeout", 30), **kwargs)

    def processes(self) -> list[psutil.Process]:
        """The hub and every process it started (proxy, servers, kernels)."""
        if self.proc is None:
            return []
        with contextlib.suppress(psutil.NoSuchProcess):
            hub = psutil.Process(self.proc.pid)
            return [hub, *hub.children(recursive=True)]
        return []

    def stop(self, timeout: float = 60):
        """SIGTERM the hub (it stops the proxy, the servers and their kernels), wait, kill leftovers."""
        if self.proc is None:
            return
        started = self.processes()
        started += [p for p in _processes_under(self.workdir) if p not in started]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for p in started:
            with contextlib.suppress(psutil.Error):
                if p.is_running():
                    p.kill()
        psutil.wait_procs([p for p in started if _alive(p)], timeout=10)
        self.log_file.close()
        self.proc = None


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _processes_under(workdir: Path) -> list[psutil.Process]:
    """Processes whose working directory is inside workdir (single-user servers and kernels that a
    crashed hub may have orphaned)."""
    found = []
    prefix = str(Path(workdir).resolve())
    for p in psutil.process_iter(["cwd"]):
        cwd = p.info.get("cwd") or ""
        if p.pid != os.getpid() and (cwd == prefix or cwd.startswith(prefix + os.sep)):
            found.append(p)
    return found


# ----------------------------------------------------------------------------------------------
# A student with a browser-like session
# ----------------------------------------------------------------------------------------------

class _Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.body: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""
        if tag == "body":
            self.body = {k: v or "" for k, v in attrs.items()}


def _parse(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


@dataclass
class Student:
    hub: Hub
    name: str
    timings: dict = field(default_factory=dict)
    log: list = field(default_factory=list)

    def __post_init__(self):
        self.session = requests.Session()
        self.prefix = f"{self.hub.url}/user/{self.name}/"

    # -- following the link --------------------------------------------------------------------
    def follow_link(self, link: str, timeout: float = 300) -> str:
        """Do what a browser does with the nbgitpuller link; return the path (below the user's
        server) of the page the link finally opens. Raises HubError on a pull error."""
        deadline = time.monotonic() + timeout
        t0 = time.monotonic()
        r = self.session.get(link, timeout=60)
        for _ in range(200):
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}: link not followed within {timeout} s (last page {r.url})")
            path = urlsplit(r.url).path
            if path.endswith("/hub/login"):
                r = self._login(r)
            elif "/hub/spawn-pending/" in path or "/hub/spawn/" in path:
                r = self._wait_for_server(r, deadline)
            elif r.status_code == 424 or "/hub/user/" in path:
                # the hub's "server not running" page: the student presses "Launch server"
                r = self._launch(r, deadline)
            elif path.startswith(f"/user/{self.name}/git-pull"):
                self.timings["server_ready"] = time.monotonic() - t0
                return self._pull(r, deadline)
            else:
                raise HubError(f"{self.name}: unexpected page {r.status_code} {r.url}\n{r.text[:500]}")
        raise HubError(f"{self.name}: too many pages following the link")

    def _login(self, r):
        form = _parse(r.text)
        data = {"username": self.name, "password": PASSWORD, "_xsrf": form.inputs.get("_xsrf", "")}
        action = r.url  # the login form posts back to itself (with ?next=...)
        r = self.session.post(action, data=data, timeout=60)
        if urlsplit(r.url).path.endswith("/hub/login"):
            raise HubError(f"{self.name}: login refused ({r.status_code})")
        return r

    def _launch(self, r, deadline):
        """The hub's "server not running" page: the student presses its "Launch server" button."""
        target = urlsplit(r.url.replace("/hub/user/", "/user/", 1))
        spawn = f"{self.hub.url}/hub/spawn/{self.name}?" + urlencode(
            {"next": target.path + ("?" + target.query if target.query else "")})
        return self.session.get(spawn, timeout=120)

    def _wait_for_server(self, r, deadline):
        """The spawn-pending page: its script follows the progress event stream, then reloads."""
        next_url = r.url
        progress = f"{self.hub.url}/hub/api/users/{self.name}/server/progress"
        headers = {"Referer": r.url}
        with self.session.get(progress, headers=headers, stream=True, timeout=(30, 600)) as events:
            for data in _event_stream(events, deadline):
                if data.get("ready") or data.get("failed"):
                    if data.get("failed"):
                        raise HubError(f"{self.name}: server failed to start: {data.get('message')}")
                    break
        return self.session.get(next_url, timeout=120)

    def _pull(self, r, deadline) -> str:
        """The git-pull page: read its event stream as its script does, then go where it redirects."""
        body = {k[5:]: unquote(v) for k, v in _parse(r.text).body.items() if k.startswith("data-")}
        params = {"_xsrf": body["xsrf"], "repo": body["repo"], "targetpath": body["targetpath"]}
        for key in ("depth", "branch", "backup"):
            if key in body:
                params[key] = body[key]
        api = urljoin(self.hub.url, body["base-url"] + "git-pull/api?" + urlencode(params))
        output = []
        with self.session.get(api, stream=True, timeout=(30, 600)) as events:
            if events.status_code != 200:
                raise HubError(f"{self.name}: git-pull api answered {events.status_code}")
            for data in _event_stream(events, deadline):
                output.append(data.get("output", ""))
                if data.get("phase") == "error":
                    raise HubError(f"{self.name}: nbgitpuller error: {data.get('message')}\n"
                                   + "".join(output))
                if data.get("phase") == "finished":
                    break
            else:
                raise HubError(f"{self.name}: the git-pull event stream ended without 'finished'")
        self.pull_output = "".join(output)
        target = urljoin(self.hub.url, body["base-url"] + body["path"])
        page = self.session.get(target, timeout=120)
        if page.status_code != 200:
            raise HubError(f"{self.name}: {target} answered {page.status_code}")
        return body["path"]

    # -- the student's server's REST API (as JupyterLab uses it) ----------------------------------
    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.hub.token}"}
        return requests.request(method, self.prefix + "api/" + path, headers=headers,
                                timeout=kwargs.pop("timeout", 60), **kwargs)

    def get_notebook(self, path: str) -> dict:
        r = self.api("GET", "contents/" + quote(path), params={"content": 1, "type": "notebook"})
        if r.status_code != 200:
            raise HubError(f"{self.name}: GET contents/{path} -> {r.status_code} {r.text[:300]}")
        return r.json()["content"]

    def save_notebook(self, path: str, nb: dict):
        """Save as JupyterLab does (PUT through the contents manager: jupytext writes the pair)."""
        r = self.api("PUT", "contents/" + quote(path),
                     json={"type": "notebook", "format": "json", "content": nb})
        if r.status_code not in (200, 201):
            raise HubError(f"{self.name}: PUT contents/{path} -> {r.status_code} {r.text[:300]}")

    def run_notebook(self, path: str, cell_timeout: float = 180) -> list[str]:
        """Start a kernel for the notebook (as opening it does), run every code cell over the
        websocket, shut the kernel down only if the caller asks. Returns the errors seen."""
        nb = self.get_notebook(path)
        r = self.api("POST", "sessions", json={"path": path, "type": "notebook", "name": path,
                                               "kernel": {"name": "python3"}})
        if r.status_code not in (200, 201):
            raise HubError(f"{self.name}: POST sessions -> {r.status_code} {r.text[:300]}")
        kernel_id = r.json()["kernel"]["id"]
        ws_url = (self.prefix.replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels"
                  f"?session_id={uuid.uuid4().hex}")
        errors = []
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.hub.token}"],
                                         timeout=cell_timeout)
        try:
            for index, cell in enumerate(nb["cells"]):
                if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
                    continue
                error = _execute(ws, "".join(cell["source"]), cell_timeout)
                if error:
                    errors.append(f"cell {index}: {error}")
                    break
        finally:
            ws.close()
        return errors


    def terminal(self, command: str, timeout: float = 120) -> str:
        """Type `command` into a new JupyterLab terminal; return what it printed (fails on exit != 0)."""
        r = self.api("POST", "terminals")
        r.raise_for_status()
        name = r.json()["name"]
        url = self.prefix.replace("http://", "ws://") + f"terminals/websocket/{name}"
        ws = websocket.create_connection(url, header=[f"Authorization: token {self.hub.token}"],
                                         timeout=timeout)
        output = ""
        try:
            # the quotes keep the echo of the typed line from matching the end marker
            ws.send(json.dumps(["stdin", f'{command}; echo "__END""__$?"\r']))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                kind, *payload = json.loads(ws.recv())
                if kind == "stdout":
                    output += payload[0]
                    done = re.search(r"__END__(\d+)", output)
                    if done:
                        if done.group(1) != "0":
                            raise HubError(f"{self.name}: `{command}` exited with {done.group(1)}:\n{output}")
                        return output
                elif kind == "disconnect":
                    break
            raise HubError(f"{self.name}: `{command}` did not finish in {timeout} s:\n{output}")
        finally:
            ws.close()
            self.api("DELETE", f"terminals/{name}")


def run_jupytext(py: Path):
    """The developers' step after editing a chapter's .py: update its paired .ipynb."""
    subprocess.run([str(VENV_BIN / "jupytext"), "--to", "ipynb", "--quiet", py.name], cwd=py.parent,
                   check=True, capture_output=True, timeout=120)


def _event_stream(response, deadline):
    """Yield the JSON data of each server-sent event of a streaming response, until the deadline."""
    buffer = ""
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        if time.monotonic() > deadline:
            raise HubError("event stream: deadline passed")
        buffer += chunk
        while "\n\n" in buffer:
            event, buffer = buffer.split("\n\n", 1)
            for line in event.splitlines():
                if line.startswith("data:"):
                    with contextlib.suppress(json.JSONDecodeError):
                        yield json.loads(line[5:].strip())


def _decode(frame) -> dict:
    """A kernel websocket message: JSON text, or a binary frame (messages with buffers: a count, the
    offsets, then the JSON message and the buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack("!" + "I" * n, frame[4:4 + 4 * n])
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))


def _execute(ws, code: str, timeout: float) -> str | None:
    """Run one cell; return an error description, or None."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "student", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3",
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    deadline = time.monotonic() + timeout
    replied = idle = False
    error = None
    while not (replied and idle):
        if time.monotonic() > deadline:
            return f"no reply within {timeout} s"
        try:
            msg = _decode(ws.recv())
        except websocket.WebSocketTimeoutException:
            return f"no reply within {timeout} s"
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg.get("msg_type") or msg["header"]["msg_type"]
        content = msg.get("content", {})
        if kind == "error":
            error = f"{content.get('ename')}: {content.get('evalue')}"
        elif kind == "execute_reply":
            replied = True
            if content.get("status") != "ok" and error is None:
                error = f"{content.get('ename', content.get('status'))}: {content.get('evalue', '')}"
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
    return error
