"""Story folder -> validated, immutable `Story`, or every problem found.

A story is a folder: `story.yaml` (the manifest) and any number of scene
files (`*.yaml`, `*.yml`, in the folder or below it). Files are read once,
safely, within size bounds; every problem in every file is collected before
reporting.
"""

from __future__ import annotations

import gc
import hashlib
import os
from pathlib import Path
from types import MappingProxyType

from game.core import model as m
from game.core.errors import ERROR, Diagnostic, StoryError
from game.core.symbols import Symbols

# yamlpos (and PyYAML), build and check are imported on a cold load only: a
# story that comes from the cache starts without them.

MANIFEST = "story.yaml"
SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FILES = 5_000
MAX_STORY_NODES = 6_000_000  # YAML nodes across all files (about 250,000 ordinary scenes)
MAX_SCENES = 200_000


def display_path(root: str | os.PathLike, rel: str) -> str:
    """How a story file is named in messages: as the user would type it."""
    path = Path(root) / rel
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


MAX_FOLDERS = 10_000  # folders walked in one story folder, however they nest


class FolderWalk:
    """Files below a folder with one of some suffixes, relative, in the
    order os.walk gives (a folder's files, sorted, before its subfolders):
    iterative (no recursion, however deep the folders go), never following
    links (so a link loop is nothing), skipping hidden names, and noting
    what it will not read: a file it would read whose name is not UTF-8 (it
    could not be shown or saved as text), a folder it cannot list, and
    folders past MAX_FOLDERS."""

    def __init__(self, root: Path, suffixes: tuple[str, ...]):
        self.found: list[str] = []
        self.problems: list[tuple[str, str]] = []  # (where, what), shown as diagnostics by the caller
        stack, walked = [""], 0
        while stack:
            rel_dir = stack.pop()
            walked += 1
            if walked > MAX_FOLDERS:
                self.problems.append((".", f"more than {MAX_FOLDERS:,} folders; the rest are not read"))
                break
            try:
                with os.scandir(root / rel_dir if rel_dir else root) as entries:
                    listing = sorted(entries, key=lambda e: e.name)
            except OSError as exc:
                self.problems.append((_shown(rel_dir or "."), f"cannot list this folder ({exc.strerror or exc})"))
                continue
            folders = []
            for entry in listing:
                name = entry.name
                if name.startswith("."):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(rel)
                        continue
                except OSError:
                    continue
                if not name.endswith(suffixes):
                    continue  # not ours to read, whatever its name
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    self.problems.append((_shown(rel), "the name is not UTF-8 text: rename it"))
                    continue
                self.found.append(rel)
            stack.extend(reversed(folders))


def _shown(rel: str) -> str:
    """A relative path as text, whatever bytes its names are made of."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def story_files(root: Path, problems: list | None = None) -> list[str]:
    """Scene files below root, relative, in a stable order (manifest excluded).
    What the walk would not read goes to `problems`, if given."""
    walk = FolderWalk(root, SUFFIXES)
    if problems is not None:
        problems.extend(walk.problems)
    return [rel for rel in walk.found if rel != MANIFEST]


class _Budget:
    def __init__(self) -> None:
        self.nodes = MAX_STORY_NODES


def _read_bytes(root: Path, rel: str, shown: str, diags: list[Diagnostic]) -> bytes | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file():
            diags.append(Diagnostic(shown, 0, 0, "not a regular file (links are not followed)"))
            return None
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.append(Diagnostic(shown, 0, 0, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"))
            return None
        return path.read_bytes()
    except OSError as exc:
        diags.append(Diagnostic(shown, 0, 0, f"cannot read: {exc.strerror or exc}"))
        return None


def _parse(data: bytes, shown: str, diags: list[Diagnostic], budget: _Budget, texts: dict | None = None) -> object:
    from game.story import yamlpos

    try:
        text = yamlpos.decode(data)
        if texts is not None:
            texts[shown] = text
        value, problems, used = yamlpos.load_counted(text, budget.nodes)
        budget.nodes -= used
    except yamlpos.YamlError as exc:
        diags.append(Diagnostic(shown, exc.pos[0], exc.pos[1], exc.message))
        return None
    diags.extend(Diagnostic(shown, p.pos[0], p.pos[1], p.message) for p in problems)
    return value


def load_for_check(root: str | os.PathLike, *, use_cache: bool = True, overlay: dict[str, bytes] | None = None,
                   unread: list | None = None, files: list | None = None) \
        -> tuple[m.Story | None, list[Diagnostic], bool]:
    """`load_all` for `check`: the story, or when it has errors the part of it
    that built (so warnings can show beside the errors); the diagnostics; and
    whether the story is whole. `overlay` (relative path -> bytes) stands in
    for files on disk: an editor's unsaved text. `unread` collects the files
    (as shown) that could not be read or parsed: nothing of theirs is in
    the partial story. `files` collects (relative path, as shown, bytes or
    None) for every file read, so a caller need not walk or read again."""
    partial: list = []
    story, diags = load_all(root, use_cache=use_cache, partial=partial, overlay=overlay, unread=unread, files=files)
    return (story if story is not None else (partial[0] if partial else None)), diags, story is not None


def load_all(root: str | os.PathLike, *, use_cache: bool = True, partial: list | None = None,
             overlay: dict[str, bytes] | None = None, unread: list | None = None, files: list | None = None) \
        -> tuple[m.Story | None, list[Diagnostic]]:
    """Load a story folder. Returns the story (None if it has errors) and all
    diagnostics found: errors always, no warnings (see `check.warnings`).

    An unchanged story comes from the compiled cache (see `cache`) unless
    `use_cache` is false. For a cold load the cyclic garbage collector is
    paused: a load makes millions of small objects and no reference cycles,
    and left running the collector rescans them again and again, which makes
    loading grow faster than the story (about 1.5x slower at 100,000 scenes)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = _load_all(root, use_cache, partial, overlay or {}, unread if unread is not None else [],
                           files if files is not None else [])
        if overlay is None:
            # The story lives, unchanged, until the program ends: move it (and
            # everything else alive now) out of the collector's sight, so that
            # later collections never rescan millions of model objects. (Not
            # for an editor's text, loaded again at every change.)
            gc.freeze()
        return result
    finally:
        if was_enabled:
            gc.enable()


def _load_all(root: str | os.PathLike, use_cache: bool, partial: list | None, overlay: dict[str, bytes],
              unread: list, files: list) -> tuple[m.Story | None, list[Diagnostic]]:
    base = Path(root)
    if not base.is_dir():
        return None, [Diagnostic(str(root), 0, 0, "no such story folder")]
    manifest_shown = display_path(root, MANIFEST)
    if not (base / MANIFEST).is_file():
        return None, [Diagnostic(manifest_shown, 0, 0, f"a story folder needs a manifest, {MANIFEST}",
                                 hint="see docs/authoring.md")]
    diags: list[Diagnostic] = []
    skipped: list[tuple[str, str]] = []
    rels = [MANIFEST, *story_files(base, skipped)]
    rels += sorted(rel for rel in overlay if rel not in rels and rel.endswith(SUFFIXES))  # open, not yet saved
    for where, what in skipped:
        diags.append(Diagnostic(display_path(root, where), 0, 0, what))
    if len(rels) - 1 > MAX_FILES:
        diags.append(Diagnostic(str(root), 0, 0, f"{len(rels) - 1:,} scene files; the limit is {MAX_FILES:,}"))
        return None, diags
    if len(rels) == 1:
        diags.append(Diagnostic(str(root), 0, 0, "no scene files (*.yaml) beside the manifest"))
    shown = [manifest_shown] + [display_path(root, rel) for rel in rels[1:]]
    digest = hashlib.sha256()
    blobs = []
    for rel, name in zip(rels, shown):
        if rel in overlay:
            data = overlay[rel]
            if len(data) > MAX_FILE_BYTES:
                diags.append(Diagnostic(name, 0, 0, f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}"))
                data = None
        else:
            data = _read_bytes(base, rel, name, diags)
        blobs.append(data)
        files.append((rel, name, data))
        if data is not None:
            digest.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    fingerprint = digest.hexdigest()
    cache_file = None
    if use_cache and not diags:
        from game.story import cache

        cache_file = cache.folder() / f"{cache.key(fingerprint)}.json"
        total = sum(len(b) for b in blobs if b)
        story = cache.load(cache_file, fingerprint, rels, shown, str(base), max_bytes=16 * total + (1 << 20))
        if story is not None:
            return story, []

    from game.story import check
    from game.story.build import Builder

    budget = _Budget()
    texts: dict[str, str] = {}  # decoded source, to place mistakes inside a long text
    raw = _parse(blobs[0], manifest_shown, diags, budget, texts) if blobs[0] is not None else None
    if raw is None:
        unread.append(manifest_shown)
    info = Builder(manifest_shown, diags, texts.get(manifest_shown)).manifest(raw) if raw is not None else None
    scenes: dict[str, m.Scene] = {}
    declared: set[str] = set()
    unreadable = any(b is None for b in blobs[1:])
    for data, name in zip(blobs[1:], shown[1:]):
        doc = _parse(data, name, diags, budget, texts) if data is not None else None
        if doc is None:
            unreadable = True
            unread.append(name)
            continue
        for scene in Builder(name, diags, texts.pop(name, None)).scene_file(doc, declared):
            first = scenes.get(scene.id)
            if first is not None:
                w = scene.where
                diags.append(Diagnostic(w.file, w.line, w.col, f"scene '{scene.id}' is defined twice "
                                        f"(first at {first.where.file}:{first.where.line})"))
                continue
            scenes[scene.id] = scene
            if len(scenes) > MAX_SCENES:
                w = scene.where
                diags.append(Diagnostic(w.file, w.line, w.col, f"more than {MAX_SCENES:,} scenes in one story"))
                return None, _sorted(diags)

    if info is None or any(info[k] is None for k in ("id", "title", "version", "start")):
        return None, _sorted(diags)
    symbols = Symbols([*info["uses"], *(use for scene in scenes.values() for use in scene.uses())])
    story = m.Story(info["id"], info["title"], info["version"], info["start"], info["initial"],
                    info["names"], MappingProxyType(scenes), str(base), fingerprint, info["where"],
                    info["migration"], symbols)
    # Scene references can only be judged when every file could be read.
    known = None if unreadable else declared
    diags.extend(check.errors(story, known))
    for old, new in story.migration.renamed.get("scenes", {}).items():
        if known is not None and new not in known:
            w = info["saves_where"]
            diags.append(Diagnostic(w.file, w.line, w.col, f"saves: scene '{old}' is renamed to '{new}', "
                                    "which does not exist"))
    if any(d.severity == ERROR for d in diags):
        if partial is not None:  # the scenes that built, for check's warnings
            partial.append(story)
        return None, _sorted(diags)
    if cache_file is not None:
        from game.story import cache

        cache.store(cache_file.parent, cache_file.stem, cache.encode(story, rels, shown))
    return story, _sorted(diags)


def load_story(root: str | os.PathLike) -> m.Story:
    """Load a story folder or raise StoryError with every problem."""
    story, diags = load_all(root)
    if story is None:
        raise StoryError(diags)
    return story


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    """In file order, one per place: the first problem found at a spot is
    the cause, later ones there are its echoes."""
    first: dict[tuple, Diagnostic] = {}
    for d in diags:
        first.setdefault((d.file, d.line, d.col) if d.line else d, d)
    return sorted(first.values(), key=Diagnostic.sort_key)


class Watcher:
    """Notices when any story file is added, removed or changed."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.last = self.snapshot()

    def snapshot(self) -> tuple:
        found = []
        for rel in [MANIFEST, *story_files(self.root)]:
            try:
                info = (self.root / rel).stat()
                found.append((rel, info.st_mtime_ns, info.st_size))
            except OSError:
                found.append((rel, None, None))
        return tuple(found)

    def changed(self) -> bool:
        now = self.snapshot()
        if now != self.last:
            self.last = now
            return True
        return False
