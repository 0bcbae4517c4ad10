"""Copy the README's pictures from the browser test's screenshots into docs/img/.

    .venv-dev/bin/python tests/e2e/update_readme_images.py          # from the last browser-test run
    .venv-dev/bin/python tests/e2e/update_readme_images.py --run    # run the browser test for those chapters first

The browser test (tests/e2e/test_browser.py) screenshots, right after Run All Cells, the outputs of every
cell that holds a slider, and lists them in tests/e2e/screenshots/index.json with the cell's slider
labels. A picture below is the first screenshot, in the chapters named, whose cell has all the labels
listed: so a picture follows its widget when a chapter is reordered.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = HERE / "screenshots"
DOCS_IMG = ROOT / "docs" / "img"

# docs/img/<file>: (chapters to look in, in order; slider labels that identify the widget)
PICTURES = {
    "chapter01_training_view.png": (["01"], {"learning rate"}),
    "chapter05_playground.png": (["05", "07"], {"hidden layers", "width", "learning rate"}),
}


def find(index: dict, chapters: list[str], labels: set[str]) -> str | None:
    for prefix in chapters:
        for chapter in sorted(k for k in index if k.startswith(prefix)):
            for shot, info in sorted(index[chapter].items(), key=lambda kv: kv[1]["cell"]):
                if labels <= set(info["sliders"]) and (SCREENSHOTS / shot).exists():
                    return shot
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", action="store_true", help="run the browser test for the chapters needed first")
    args = ap.parse_args()
    if args.run:
        prefixes = sorted({c for chapters, _ in PICTURES.values() for c in chapters})
        expr = " or ".join(f"{p}_" for p in prefixes)
        subprocess.run([sys.executable, "-m", "pytest", str(HERE / "test_browser.py"), "-q", "-p", "no:cacheprovider",
                        "-k", expr], cwd=ROOT, check=False)
    try:
        index = json.loads((SCREENSHOTS / "index.json").read_text())
    except (OSError, ValueError):
        print("no tests/e2e/screenshots/index.json: run the browser test first (or use --run)", file=sys.stderr)
        return 1
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    missing = 0
    for target, (chapters, labels) in PICTURES.items():
        shot = find(index, chapters, labels)
        if shot is None:
            print(f"  {target}: no screenshot of a widget with sliders {sorted(labels)} in chapters {chapters}")
            missing += 1
            continue
        shutil.copyfile(SCREENSHOTS / shot, DOCS_IMG / target)
        print(f"  docs/img/{target} <- tests/e2e/screenshots/{shot}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
