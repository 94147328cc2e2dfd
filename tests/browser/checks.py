"""What the browser tests measure on a page: axe-core's accessibility rules, text contrast.

axe-core comes from axe-playwright-python (binder/requirements.txt), which ships
axe.min.js; it is injected into the page and run on the widget outputs only, not on
JupyterLab's own chrome. Its colour-contrast rule reads HTML text; SVG chart text
is measured here from a screenshot instead (axe does not look inside an SVG's
``<text>`` reliably, and an ``<img>`` not at all).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable

# axe rules left out, with the reason. Everything else runs, colour contrast included.
AXE_RULES_OFF: dict[str, str] = {
    # Page-level rules: the scope is a handful of output nodes inside JupyterLab's page,
    # whose landmarks and headings are JupyterLab's (and the notebook's markdown), not the
    # widgets'. axe skips most of them for a partial context anyway; these are explicit.
    "region": "landmarks belong to JupyterLab's page, not to a widget output",
    "landmark-one-main": "page-level: JupyterLab's page, not the widget",
    "page-has-heading-one": "page-level: the notebook's markdown gives the headings",
}
FAILING_IMPACTS = ("serious", "critical")

# Smallest contrast accepted for SVG text measured from pixels. WCAG asks 4.5:1 for text;
# the darkest (or lightest) pixel of a glyph drawn at 9-11 px with anti-aliasing does not
# quite reach the text's colour, so the measured figure runs lower than the true one
# (black 9 px text on white measures about 12-15, not 21). 3:1 is WCAG's floor for large
# text and graphics; the broken dark theme measured 1.1.
SVG_TEXT_CONTRAST = 3.0


def run_axe(page, selector: str, rules_off: Iterable[str] = AXE_RULES_OFF,
            only: Iterable[str] | None = None) -> list[dict]:
    """axe-core's serious and critical violations within the elements ``selector`` matches.

    ``only`` runs just the rules named (e.g. ``["color-contrast"]``) instead of all of them.
    """
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options: dict = {"resultTypes": ["violations"],
                     "rules": {rule: {"enabled": False} for rule in rules_off}}
    if only is not None:
        options["runOnly"] = {"type": "rule", "values": list(only)}
    results = page.evaluate("([context, options]) => window.axe.run(context, options)",
                            [{"include": [[selector]]}, options])
    return [v for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]


def axe_summary(violations: list[dict], nodes: int = 4) -> list[str]:
    """One line per violation and failing element: rule, impact, element, axe's reason."""
    lines = []
    for violation in violations:
        head = f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for node in violation["nodes"][:nodes]:
            target = " ".join(map(str, node["target"]))
            target = target if len(target) <= 70 else "..." + target[-67:]
            snippet = " ".join(node.get("html", "").split())[:140]
            reason = " ".join((node.get("failureSummary") or "").split())
            reason = reason.removeprefix("Fix any of the following: ").removeprefix(
                "Fix all of the following: ")[:300]
            lines.append(f"{head}: {target} {snippet}: {reason}")
        if len(violation["nodes"]) > nodes:
            lines.append(f"{head}; and {len(violation['nodes']) - nodes} more elements")
    return lines


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_contrast(screenshot_png: bytes, boxes: list[dict], scale: float = 1.0) -> list[dict]:
    """For each text box on an element screenshot: its background, ink and contrast.

    The background is the commonest colour in the box; the ink is the pixel that
    differs most from it. ``boxes`` are in CSS px relative to the screenshot's
    element (as SVG_TEXT_BOXES gives them); ``scale`` is device px per CSS px.
    """
    from PIL import Image

    image = Image.open(io.BytesIO(screenshot_png)).convert("RGB")
    measured = []
    for box in boxes:
        left, top = max(int(box["x"] * scale), 0), max(int(box["y"] * scale), 0)
        right = min(int((box["x"] + box["w"]) * scale) + 1, image.width)
        bottom = min(int((box["y"] + box["h"]) * scale) + 1, image.height)
        if right - left < 2 or bottom - top < 2:
            continue
        crop = image.crop((left, top, right, bottom))
        flat = getattr(crop, "get_flattened_data", None) or crop.getdata  # Pillow 13 / older
        pixels = list(flat())
        background = Counter(pixels).most_common(1)[0][0]
        ink = max(pixels, key=lambda p: contrast(p, background))
        measured.append({**box, "background": background, "ink": ink,
                         "contrast": round(contrast(ink, background), 2)})
    return measured


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
