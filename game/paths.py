"""Where the bundled story and the example stories live, installed or in a
source checkout."""

from __future__ import annotations

from pathlib import Path


def bundled_story() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "scenes"  # a wheel carries scenes/ inside the package
    if (installed / "story.yaml").is_file():
        return installed
    return here.parent / "scenes"  # a source checkout or editable install


def examples_folder() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "examples"  # a wheel carries examples/ inside the package
    return installed if installed.is_dir() else here.parent / "examples"


def examples() -> list[str]:
    """The names of the example stories that ship with the game."""
    folder = examples_folder()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "story.yaml").is_file())
