"""Run JupyterLab on 127.0.0.1 and drive it with Playwright in Debian's Chromium.

Used by the browser tests and by the command that makes the README's pictures.
The notebooks are copied to a temporary folder first, so running them in the
browser never rewrites the stored chapters.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]


def find_chromium() -> str | None:
    """The Chromium executable Playwright should drive, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def require(what_is_missing: str | None) -> None:
    """Skip the calling test for a missing tool, or fail it when CI is set (CI must run it)."""
    import pytest

    if what_is_missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"this test must run under CI, but {what_is_missing}")
    pytest.skip(f"{what_is_missing}; set CI=1 to make this an error")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if find_chromium() is None:
        return "no Chromium found (apt-get install -y chromium)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token and the folder it serves."""

    port: int
    token: str
    root: Path
    process: subprocess.Popen

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?token={self.token}"

    def notebook_url(self, name: str) -> str:
        return self.url(f"lab/tree/chapters/{name}")


@contextlib.contextmanager
def lab_server(timeout: float = 90) -> Iterator[LabServer]:
    """Start JupyterLab on a free port with a random token; always stop it."""
    with tempfile.TemporaryDirectory(prefix="layerlab-lab-") as tmp:
        root = Path(tmp)
        shutil.copytree(CHAPTERS, root / "chapters",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        port, token = free_port(), secrets.token_hex(16)
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        _quiet_lab_settings(root / ".lab-settings")
        log = open(root / "server.log", "w")
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
               "JUPYTER_DATA_DIR": str(root / ".jupyter-data"),
               "JUPYTERLAB_SETTINGS_DIR": str(root / ".lab-settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(root / ".lab-workspaces")}
        # Sign the copies as `make book` and Binder do, so saved outputs render before a run.
        subprocess.run([sys.executable, "-m", "jupyter", "trust",
                        *map(str, sorted((root / "chapters").glob("*.ipynb")))],
                       env=env, check=True, capture_output=True)
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   cwd=root)
        server = LabServer(port, token, root, process)
        try:
            _wait_until_up(server, timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _quiet_lab_settings(settings_dir: Path) -> None:
    """No news or update pop-ups (they would cover the screenshots), and every cell in the DOM.

    JupyterLab may leave cells far outside the viewport unrendered; the tests read
    every output, so windowing is switched off.
    """
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = settings_dir / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_until_up(server: LabServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("JupyterLab exited early:\n"
                               + (server.root / "server.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer within {timeout} s")


# JavaScript run in the page: JupyterLab's app object (exposed by expose_app_in_browser).
RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:run-all-cells');
}"""

KERNEL_IDLE = """() => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.sessionContext.session) return false;
  const kernel = panel.sessionContext.session.kernel;
  const pending = document.querySelectorAll('.jp-InputPrompt').length > 0 &&
    [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  return kernel && kernel.status === 'idle' && !pending;
}"""


# Everything the tests need to know about an open notebook, read from JupyterLab's own model
# (outputs, execution counts) and from the DOM (how each widget output was rendered).
NOTEBOOK_REPORT = """() => {
  const WIDGET = 'application/vnd.jupyter.widget-view+json';
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const report = {code_cells: 0, unexecuted: [], errors: [], widgets: []};
  notebook.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code' || !cell.model.sharedModel.getSource().trim()) return;
    report.code_cells += 1;
    if (cell.model.executionCount === null) report.unexecuted.push(index);
    const children = [...cell.outputArea.node.children]
      .filter(node => node.classList.contains('jp-OutputArea-child'));
    cell.model.outputs.toJSON().forEach((output, k) => {
      if (output.output_type === 'error') {
        report.errors.push({cell: index, error: output.ename + ': ' + output.evalue});
      }
      if (!output.data || !output.data[WIDGET]) return;
      const node = children[k];
      const view = node ? node.querySelector('.jupyter-widgets') : null;
      const box = view ? view.getBoundingClientRect() : null;
      report.widgets.push({
        cell: index,
        rendered: !!view && !node.textContent.includes('Error displaying widget'),
        live: !!view && !view.classList.contains('jupyter-widgets-disconnected'),
        visible: !!box && box.width > 0 && box.height > 0,
        text: node ? node.textContent.slice(0, 100) : '(no output node)',
      });
    });
  });
  return report;
}"""


def notebook_report(page) -> dict:
    """Code cells, unexecuted cells, error outputs and how each widget output rendered."""
    return page.evaluate(NOTEBOOK_REPORT)


def close_all_sessions(server: LabServer) -> None:
    """Shut down every kernel the server started, so the next chapter starts clean."""
    with urllib.request.urlopen(server.url("api/sessions"), timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(server.url(f"api/sessions/{session['id']}"),
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def open_notebook(page, server: LabServer, name: str, timeout_ms: int = 90_000) -> None:
    """Open a chapter and wait until its kernel is ready."""
    page.goto(server.notebook_url(name))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext",
                           timeout=timeout_ms)
    page.wait_for_function("() => { const s = window.jupyterapp.shell.currentWidget"
                           ".sessionContext; return s.session && s.session.kernel && "
                           "s.session.kernel.status === 'idle'; }", timeout=timeout_ms)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook, full width


def run_all(page, timeout_ms: int = 240_000) -> None:
    """Run every cell and wait until the kernel is idle and no cell is pending."""
    page.evaluate(RUN_ALL)
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms, polling=250)


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A Playwright page in headless Chromium with the flags this machine needs."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise RuntimeError("no Chromium found: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
