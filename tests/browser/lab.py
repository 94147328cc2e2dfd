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

from tests.notebook_tools import every_chapter

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
    try:
        import axe_playwright_python  # noqa: F401  (axe-core, for the accessibility checks)
    except ImportError:
        return ("the axe-playwright-python package is not installed "
                "(pip install -r binder/requirements.txt)")
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
        # reset: a fresh workspace, so the tabs of chapters opened earlier on this server
        # are not restored beside this one (each would connect a kernel of its own)
        return self.url(f"lab/tree/chapters/{name}") + "&reset"


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
                        *map(str, every_chapter(root))],
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
        # Scroll bars as a reader has them (Playwright hides them by default): they take
        # room in the layout, and the screenshots show where a box scrolls.
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_FLAGS,
                                             ignore_default_args=["--hide-scrollbars"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


# -- themes, window sizes, and what the reader sees in them ------------------------

# The themes a reader can pick in JupyterLab 4.6 (Settings > Theme), by the names the
# theme manager registers; the key is the word used in screenshot names.
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark",
          "high-contrast": "JupyterLab Dark High Contrast"}

# The widget outputs of the open notebook, outermost only, in document order.
_WIDGET_OUTPUTS_JS = """
  const notebook = window.jupyterapp.shell.currentWidget.content.node;
  const outputs = [...notebook.querySelectorAll('.jp-OutputArea-output')]
    .filter(node => node.querySelector('.jupyter-widgets'))
    .filter((node, _, all) => !all.some(other => other !== node && other.contains(node)));
"""

# Mark the widget outputs with data-ll-widget="k" (k = 0, 1, ...), so Python can find
# them again as locators and axe can be scoped to them; returns how many there are.
MARK_WIDGET_OUTPUTS = """() => {""" + _WIDGET_OUTPUTS_JS + """
  document.querySelectorAll('[data-ll-widget]').forEach(n => n.removeAttribute('data-ll-widget'));
  outputs.forEach((node, k) => node.setAttribute('data-ll-widget', String(k)));
  return outputs.length;
}"""

# Also the book's other HTML outputs (snapshots of kind "html", messages), for axe.
MARK_HTML_OUTPUTS = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content.node;
  document.querySelectorAll('[data-ll-html]').forEach(n => n.removeAttribute('data-ll-html'));
  const outputs = [...notebook.querySelectorAll('.jp-OutputArea-output.jp-RenderedHTMLCommon')]
    .filter(node => !node.closest('[data-ll-widget]') && !node.querySelector('.jupyter-widgets'));
  outputs.forEach((node, k) => node.setAttribute('data-ll-html', String(k)));
  return outputs.length;
}"""

# Shared by the reports below: is an element drawn, and a short description of it.
_HELPERS_JS = """
  const shown = el => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
  };
  const describe = el => {
    const cls = typeof el.className === 'string' ? el.className : (el.className.baseVal || '');
    const classes = cls.trim() ? '.' + cls.trim().split(/\\s+/).slice(0, 3).join('.') : '';
    const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${classes}> "${text}"`;
  };
"""

# Before a run: broken-link icons, squeezed labels and buttons, the saved-picture note.
SAVED_VIEW_REPORT = """() => {""" + _WIDGET_OUTPUTS_JS + _HELPERS_JS + """
  return outputs.map((out, k) => {
    const disconnected = [...out.querySelectorAll('.jupyter-widgets-disconnected')];
    const outermost = disconnected.filter(el => {
      const above = el.parentElement && el.parentElement.closest('.jupyter-widgets-disconnected');
      return !above || !out.contains(above);
    });
    const icons = disconnected.filter(el => {
      const before = getComputedStyle(el, '::before');
      return el.getClientRects().length && before.display !== 'none' &&
        before.content !== 'none' && before.content !== 'normal';
    });
    const squeezed = [...out.querySelectorAll(
        '.widget-label, .widget-label-basic, button, .jupyter-button')]
      .filter(el => shown(el) && el.scrollWidth > el.clientWidth + 1)
      .map(el => ({what: describe(el), scrollWidth: el.scrollWidth,
                   clientWidth: el.clientWidth}));
    const notes = [...out.querySelectorAll('.ll-saved-note')].filter(shown);
    return {widget: k, disconnected: disconnected.length, icons: icons.length,
            icon_on_outermost: icons.every(el => outermost.includes(el)),
            icon_elements: icons.slice(0, 3).map(describe), squeezed,
            notes: notes.map(el => el.textContent.trim())};
  });
}"""

# Visible .ll-saved-note elements per widget output (there must be none once live).
SAVED_NOTES = """() => {""" + _WIDGET_OUTPUTS_JS + _HELPERS_JS + """
  return outputs.map(out => [...out.querySelectorAll('.ll-saved-note')].filter(shown).length);
}"""

# At the current window size: does a widget output scroll sideways, does anything in it,
# except a wide table's own .ll-scroll box, and does anything stick out on the right?
WIDTH_REPORT = """() => {""" + _WIDGET_OUTPUTS_JS + _HELPERS_JS + """
  return outputs.map((out, k) => {
    const edge = out.getBoundingClientRect();
    const problems = [];
    if (out.scrollWidth > out.clientWidth + 1) {
      problems.push(`the output itself scrolls sideways: scrollWidth ${out.scrollWidth} > `
                    + `clientWidth ${out.clientWidth}`);
    }
    const reported = [];
    for (const el of out.querySelectorAll('*')) {
      if (reported.some(r => r.contains(el))) continue;
      const scroll = el.closest('.ll-scroll');
      if (scroll && scroll !== el && out.contains(scroll)) continue;  // inside a table box
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (el.classList.contains('ll-scroll') && box.height >= 600) {
        problems.push(`${describe(el)} is a sideways scroller ${Math.round(box.height)} px `
                      + `tall: its scroll bar is far below the top of the table (< 600 px)`);
      }
      const scroller = ['auto', 'scroll'].includes(style.overflowX);
      if (scroller && !el.classList.contains('ll-scroll') && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)} scrolls sideways: scrollWidth ${el.scrollWidth} > `
                      + `clientWidth ${el.clientWidth}`);
        reported.push(el);
        continue;
      }
      if (shown(el) && box.right > edge.right + 1) {
        problems.push(`${describe(el)} ends ${Math.round(box.right - edge.left)} px from the `
                      + `output's left edge, past its width ${Math.round(edge.width)} px `
                      + `(cut off or scrolled out of view)`);
        reported.push(el);
      }
    }
    return {widget: k, width: Math.round(edge.width), problems};
  });
}"""

# The boxes of the SVG text in output `selector`, relative to the output's box, in CSS px,
# leaving out text that a scroller or clipping box hides (a screenshot cannot see it).
SVG_TEXT_BOXES = """(out) => {
  const edge = out.getBoundingClientRect();
  const boxes = [];
  for (const text of out.querySelectorAll('svg text')) {
    const box = text.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || !(text.textContent || '').trim()) continue;
    let left = box.left, top = box.top, right = box.right, bottom = box.bottom;
    for (let el = text.parentElement; el && el !== out.parentElement; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') { right = left; break; }
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const clip = el.getBoundingClientRect();
        left = Math.max(left, clip.left); right = Math.min(right, clip.right);
        top = Math.max(top, clip.top); bottom = Math.min(bottom, clip.bottom);
      }
    }
    if ((right - left) * (bottom - top) < 0.8 * box.width * box.height) continue;
    boxes.push({text: text.textContent.trim().slice(0, 30), x: box.left - edge.left,
                y: box.top - edge.top, w: box.width, h: box.height});
  }
  return boxes;
}"""

# Every <img> in the notebook's outputs (snapshots are SVG images): the share of its
# pixels that are not opaque. An image cannot see the theme, so it must bring its own
# opaque card to stay legible on a dark page. null: the image could not be read.
IMAGE_TRANSPARENCY = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content.node;
  const images = [...notebook.querySelectorAll('.jp-OutputArea-output img')];
  const results = [];
  for (const img of images) {
    const alt = (img.getAttribute('alt') || img.closest('.jp-OutputArea-output')
                 .textContent || '').trim().slice(0, 40);
    try {
      await img.decode();
      const scale = Math.min(1, 400 / Math.max(img.naturalWidth, img.naturalHeight, 1));
      const w = Math.max(1, Math.round(img.naturalWidth * scale));
      const h = Math.max(1, Math.round(img.naturalHeight * scale));
      const canvas = document.createElement('canvas');
      canvas.width = w; canvas.height = h;
      const context = canvas.getContext('2d');
      context.drawImage(img, 0, 0, w, h);
      const data = context.getImageData(0, 0, w, h).data;
      let clear = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] < 250) clear += 1;
      results.push({src: img.src.slice(0, 40), alt, transparent: clear / (w * h)});
    } catch (error) {
      results.push({src: img.src.slice(0, 40), alt, transparent: null, error: String(error)});
    }
  }
  return results;
}"""


def mark_widget_outputs(page) -> int:
    """Tag each widget output with ``data-ll-widget="k"``; return how many there are."""
    return page.evaluate(MARK_WIDGET_OUTPUTS)


def widget_outputs(page):
    """The widget outputs marked by :func:`mark_widget_outputs`, in order (a locator)."""
    return page.locator("[data-ll-widget]")


def set_theme(page, theme: str, timeout_ms: int = 30_000) -> None:
    """Switch JupyterLab to ``theme`` (a name from THEMES' values) and wait until it applies."""
    # The command rejects a name the theme manager does not know, and so does this call.
    page.evaluate("name => window.jupyterapp.commands.execute('apputils:change-theme', "
                  "{theme: name})", theme)
    page.wait_for_function(
        "name => document.body.dataset.jpThemeName === name && "
        "getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() !== ''",
        arg=theme, timeout=timeout_ms)
    page.wait_for_timeout(400)  # the new style sheet's repaint


def current_theme(page) -> str:
    return page.evaluate("() => document.body.dataset.jpThemeName")


def show_file_browser(page, shown: bool = True) -> None:
    """Open the left sidebar on the file browser (as a reader first meets JupyterLab).

    ``shown=False`` closes the sidebar again.
    """
    if shown:
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
        page.wait_for_function("() => { const p = document.querySelector('#filebrowser'); "
                               "return p && p.getBoundingClientRect().width > 100; }")
    else:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    page.wait_for_timeout(300)  # the notebook's relayout


def resize(page, width: int, height: int) -> None:
    """Set the window's size in CSS px and let JupyterLab and the widgets relayout."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(400)


def accessible_name(page, locator) -> str:
    """The name Chromium's accessibility tree gives an element: what a screen reader says."""
    locator.evaluate("el => el.setAttribute('data-ll-name', '')")
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-ll-name]"})
        tree = cdp.send("Accessibility.getPartialAXTree",
                        {"nodeId": node["nodeId"], "fetchRelatives": False})
    finally:
        cdp.detach()
        locator.evaluate("el => el.removeAttribute('data-ll-name')")
    nodes = [n for n in tree["nodes"] if not n.get("ignored")]
    return str((nodes[0].get("name") or {}).get("value", "")) if nodes else ""


# What a reader can operate in a widget output; each is marked with data-ll-control="k"
# (k: its widget output) so the accessibility tree can be asked about it.
MARK_CONTROLS = """() => {""" + _HELPERS_JS + """
  document.querySelectorAll('[data-ll-control]').forEach(n => n.removeAttribute('data-ll-control'));
  const selector = 'input, select, textarea, button, [role=slider], [role=button], ' +
    '[role=checkbox], [role=switch], [role=combobox], [role=spinbutton], [role=textbox], ' +
    '[role=radio], [role=tab]';
  let marked = 0;
  document.querySelectorAll('[data-ll-widget]').forEach(out => {
    out.querySelectorAll(selector).forEach(el => {
      if (!shown(el) || el.type === 'hidden') return;
      el.setAttribute('data-ll-control', out.getAttribute('data-ll-widget'));
      marked += 1;
    });
  });
  return marked;
}"""


def unnamed_controls(page) -> list[dict]:
    """Controls in the widget outputs that Chromium's accessibility tree gives no name.

    The browser's own tree, not a re-computation: ipywidgets draws an empty, hidden
    <label for=...> when a control has no description, and Chromium then ignores the
    control's title (tooltip), which axe-core 4.4 still counts as a name.
    Call :func:`mark_widget_outputs` first. Returns {widget, role, html} per control.
    """
    if not page.evaluate(MARK_CONTROLS):
        return []
    cdp = page.context.new_cdp_session(page)
    unnamed = []
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        found = cdp.send("DOM.querySelectorAll", {"nodeId": root,
                                                  "selector": "[data-ll-control]"})
        for node in found["nodeIds"]:
            tree = cdp.send("Accessibility.getPartialAXTree",
                            {"nodeId": node, "fetchRelatives": False})
            ax = next((n for n in tree["nodes"] if not n.get("ignored")), None)
            if ax is None or str((ax.get("name") or {}).get("value", "")).strip():
                continue
            attributes = cdp.send("DOM.getAttributes", {"nodeId": node})["attributes"]
            widget = attributes[attributes.index("data-ll-control") + 1]
            markup = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            unnamed.append({"widget": int(widget), "role": (ax.get("role") or {}).get("value"),
                            "html": " ".join(markup.split())[:140]})
    finally:
        cdp.detach()
        page.evaluate("() => document.querySelectorAll('[data-ll-control]')"
                      ".forEach(n => n.removeAttribute('data-ll-control'))")
    return unnamed


@contextlib.contextmanager
def headless_chromium() -> Iterator[object]:
    """A headless Chromium for a test module; skips (fails under CI) without one."""
    require(missing_browser())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(),
                                             args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
