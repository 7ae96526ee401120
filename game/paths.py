"""Where the bundled story lives, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def bundled_story() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "scenes"  # a wheel carries scenes/ inside the package
    if (installed / "story.yaml").is_file():
        return installed
    return here.parent / "scenes"  # a source checkout or editable install
