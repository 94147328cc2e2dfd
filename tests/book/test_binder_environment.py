"""The environment Binder builds, rebuilt here the way repo2docker builds it.

repo2docker reads binder/: it installs the Python that runtime.txt names, then
``pip install -r binder/requirements.txt``, then runs binder/postBuild from the
repository root, which also builds the MXNet chapter's own environment from
binder/requirements-mxnet.txt and registers it as the kernel "mxnet". This test
does the same in a fresh virtual environment, from a copy of the repository (as
Binder works on a clone), and then runs every chapter under nbval with that
environment's own interpreter (the MXNet chapter in the kernel "mxnet").

The requirements file names PyTorch's CPU wheel index as an extra index; where
that index cannot be reached, ``PIP_RETRIES=0`` makes pip give up on it at once
and take the same CPU wheel from the package registry or a local wheel folder.
Slow (a few minutes: a full install); `make test` runs it, `-m "not slow"` skips it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tests.notebook_tools import every_chapter

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
NOTEBOOKS = every_chapter(ROOT)  # both editions: chapters/ and chapters/zh/

pytestmark = pytest.mark.slow


@dataclass
class BinderEnvironment:
    repo: Path  # the copy of the repository Binder would have cloned
    bin: Path  # the environment's bin/ folder
    env: dict[str, str]  # process environment with that bin/ first on PATH
    install_log: str

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=self.repo, env=self.env, capture_output=True,
                                text=True)
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(command)} exited {result.returncode}:\n"
                        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result


def repository_files() -> list[Path]:
    """The files a clone would hold: tracked, plus new ones git does not ignore."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                  "--exclude-standard"], cwd=ROOT, capture_output=True)
        if listing.returncode == 0:  # else (a checkout git refuses to read): walk the tree
            return [Path(name) for name in listing.stdout.decode().split("\0")
                    if name and (ROOT / name).is_file()]
    skip = {".venv", ".venv-mxnet", ".git", "artifacts", "__pycache__", ".ipynb_checkpoints",
            "build"}
    return [path.relative_to(ROOT) for path in ROOT.rglob("*")
            if path.is_file() and not skip & set(path.relative_to(ROOT).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)]


def pins(name: str = "requirements.txt") -> dict[str, str]:
    lines = (BINDER / name).read_text().splitlines()
    return {canonical(name): version for name, version in
            (line.strip().split("==") for line in lines if "==" in line
             and not line.lstrip().startswith("#"))}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def binder(tmp_path_factory: pytest.TempPathFactory) -> BinderEnvironment:
    runtime = (BINDER / "runtime.txt").read_text().strip()
    wanted = runtime.removeprefix("python-")
    have = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted != have:
        pytest.fail(f"binder/runtime.txt asks for Python {wanted}; this is Python {have}")

    base = tmp_path_factory.mktemp("binder")
    repo = base / "repo"
    for name in repository_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)

    prefix = base / "env"
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    env = {key: value for key, value in os.environ.items()
           if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
           and not key.startswith(("JUPYTER", "PYTEST"))}
    env.update(PATH=f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(prefix),
               PIP_RETRIES="0", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1",
               JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
               JUPYTER_DATA_DIR=str(base / "jupyter-data"))
    environment = BinderEnvironment(repo, prefix / "bin", env, "")

    postbuild = repo / "binder" / "postBuild"
    assert os.access(postbuild, os.X_OK), "binder/postBuild must be executable"
    install = environment.run(str(prefix / "bin" / "python"), "-m", "pip", "install",
                              "-r", "binder/requirements.txt")
    build = environment.run(str(postbuild))
    environment.install_log = install.stdout + build.stdout
    return environment


def test_pins_install_exactly_and_consistently(binder: BinderEnvironment) -> None:
    binder.run(str(binder.bin / "python"), "-m", "pip", "check")
    listed = json.loads(binder.run(str(binder.bin / "python"), "-m", "pip", "list",
                                   "--format=json", "--exclude-editable").stdout)
    installed = {canonical(p["name"]): p["version"] for p in listed}
    for seeded in ("pip", "setuptools", "wheel"):  # come with the interpreter, unless pinned
        if seeded not in pins():
            installed.pop(seeded, None)
    assert installed == pins(), "binder/requirements.txt is not the complete, exact set"


def test_torch_is_the_cpu_build(binder: BinderEnvironment) -> None:
    probe = ("import torch; print(torch.__version__, torch.version.cuda, "
             "torch.cuda.is_available())")
    out = binder.run(str(binder.bin / "python"), "-c", probe).stdout.split()
    assert out[0].endswith("+cpu") and out[1:] == ["None", "False"], out


def test_postbuild_installs_the_book_and_signs_its_chapters(binder: BinderEnvironment) -> None:
    probe = """
import json, sys
from pathlib import Path
import nbformat, widgets
from nbformat.sign import NotebookNotary
print(json.dumps({"widgets": str(Path(widgets.__file__).resolve().parent),
                  "trusted": [NotebookNotary().check_signature(nbformat.read(p, 4))
                              for p in sys.argv[1:]]}))
"""
    result = json.loads(binder.run(str(binder.bin / "python"), "-c", probe,
                                   *[p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]).stdout)
    assert Path(result["widgets"]) == (binder.repo / "widgets").resolve()
    assert result["trusted"] == [True] * len(NOTEBOOKS)


def test_postbuild_registers_the_mxnet_kernel_with_exactly_its_pins(
        binder: BinderEnvironment) -> None:
    """MXNet's chapter opens in the kernel "mxnet": its own environment, exactly as pinned."""
    listing = json.loads(binder.run(str(binder.bin / "jupyter"), "kernelspec", "list",
                                    "--json").stdout)["kernelspecs"]
    assert {"python3", "mxnet"} <= set(listing), sorted(listing)
    python = listing["mxnet"]["spec"]["argv"][0]
    assert Path(python).is_relative_to(binder.repo), python  # built by postBuild, in the clone
    binder.run(python, "-m", "pip", "check")
    listed = json.loads(binder.run(python, "-m", "pip", "list", "--format=json").stdout)
    installed = {canonical(p["name"]): p["version"] for p in listed
                 if canonical(p["name"]) not in {"pip", "setuptools", "wheel"}}
    assert installed == pins("requirements-mxnet.txt")
    probe = "import mxnet, numpy; print(mxnet.__version__, numpy.__version__)"
    assert binder.run(python, "-c", probe).stdout.split() == ["1.9.1", "1.23.5"]


def test_jupyterlab_can_speak_chinese(binder: BinderEnvironment) -> None:
    """JupyterLab's own menus in Chinese (Settings > Language), beside the book's Chinese."""
    result = binder.run(str(binder.bin / "python"), "-c",
                        "import jupyterlab_language_pack_zh_CN as pack; print(pack.__name__)")
    assert result.stdout.strip() == "jupyterlab_language_pack_zh_CN"


def test_jupyterlab_has_the_widget_manager(binder: BinderEnvironment) -> None:
    result = binder.run(str(binder.bin / "jupyter"), "labextension", "list")
    listing = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled .*OK", listing), listing


def test_every_chapter_passes_nbval_in_the_binder_environment(
        binder: BinderEnvironment) -> None:
    result = binder.run(str(binder.bin / "python"), "-m", "pytest", "-q", "-p", "no:xdist",
                        "chapters", check=False)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    cells = sum(cell.cell_type == "code" for path in NOTEBOOKS
                for cell in nbformat.read(path, 4).cells)
    assert re.fullmatch(rf"{cells} passed in .*", summary), (cells, summary)
