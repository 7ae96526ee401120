"""A story as an editor sees it: the files on disk with the editor's unsaved
text laid over them, checked as a whole, and the questions an editor asks
of it (what is wrong where, what is this name, where is it defined and
used, what may be typed here, what must change to rename it).

Pure of any protocol: the language server (`game.author.lsp`) turns these
answers into LSP messages. Positions here are 0-based lines and 0-based
columns counted in characters (code points); the server converts columns
to what the editor counts.
"""

from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from game.core import engine
from game.core import model as m
from game.core.errors import ERROR, Diagnostic
from game.core.kinds import DEFINE, NAME_KINDS, READ, WRITE, Use
from game.story import check, loader, schema
from game.story.yamlpos import _indent as indent_of

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
WORD = re.compile(r"[A-Za-z0-9_-]+")
MANIFEST = loader.MANIFEST
YAML_WORDS = {"null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"}
PLURAL = {"scene": "scenes", "flag": "flags", "item": "items", "counter": "counters"}


@dataclass(frozen=True, slots=True)
class Spot:
    """A range on one line of one file."""
    path: Path
    line: int
    col: int
    end: int


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    col: int
    end: int
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class Ref:
    """A name under the cursor: a scene, flag, item or counter."""
    kind: str
    name: str
    spot: Spot


@dataclass(frozen=True, slots=True)
class Item:
    """A completion: the text, what it is (scene, flag, item, counter, key) and a short detail."""
    label: str
    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Edit:
    line: int
    col: int
    end_line: int
    end_col: int
    text: str


@dataclass
class Outline:
    chapter: str
    scenes: list[tuple[str, str, Spot, int]] = field(default_factory=list)  # id, title, its name, last line


class RenameError(Exception):
    """A rename that cannot be made: the message says why, in one line."""


def _lines(data: bytes) -> list[str]:
    """A file's bytes as the lines the loader placed its positions in."""
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff").split("\n")


def absolute(path) -> Path:
    """An absolute, normalised path that keeps symbolic links as the editor
    named them (answers go back to the file the editor has open)."""
    return Path(os.path.abspath(path))


def find_root(path: Path, stop: Path | None = None) -> Path | None:
    """The story folder a file belongs to: the nearest folder at or above it
    with a story.yaml (not above `stop`, when given)."""
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        if (candidate / MANIFEST).is_file():
            return candidate
        if stop is not None and candidate == stop:
            return None
    return None


def _schema_keys() -> dict[str, list[tuple[str, str]]]:
    """Keys the format allows, by context, with their descriptions (from the
    JSON Schemas the editor support already ships, as the compiler makes them)."""
    def keys(node) -> list[tuple[str, str]]:
        props = node.get("properties", {}) if isinstance(node, dict) else {}
        return [(k, (v.get("description") or "") if isinstance(v, dict) else "") for k, v in props.items()]

    scenes = schema.scenes_schema()
    defs = scenes.get("$defs", {})
    out = {"file": keys(scenes), "manifest": keys(schema.STORY)}
    for name in ("scene", "choice", "ending", "effects", "fallback"):
        out[name] = keys(defs.get(name, {}))
    return out


KEYS = _schema_keys()
CONTEXT = {"choices": "choice", "ending": "ending", "effects": "effects", "fallback": "fallback"}


class Workspace:
    """One story folder: its files, the editor's open text over them, and
    the story checked from both at the last `refresh`."""

    def __init__(self, root: Path):
        self.root = absolute(root)
        self.open: dict[Path, str] = {}
        self.story: m.Story | None = None
        self.problems: dict[Path, list[Problem]] = {}
        self._lines: dict[Path, list[str]] = {}  # each file's text as the last check read it
        self._uses: dict[Path, list[tuple[int, int, int, Use]]] = {}
        self._scene_lines: dict[Path, list[tuple[int, str]]] = {}
        self._paths: dict[str, Path] = {}
        self._unplaced: set[tuple[str, str]] = set()
        self._placed: dict[tuple, Spot] = {}
        self.unread: set[Path] = set()
        self.good: m.Story | None = None

    # -- the text -------------------------------------------------------------
    def set_text(self, path: Path, text: str) -> None:
        self.open[absolute(path)] = text

    def close(self, path: Path) -> None:
        self.open.pop(absolute(path), None)

    def lines_of(self, path: Path) -> list[str]:
        """A file's lines: the editor's text if open, else as the last check
        read it (its positions are the check's), else from the disk."""
        path = absolute(path)
        if path in self.open:
            return self.open[path].split("\n")
        lines = self._lines.get(path)
        if lines is not None:
            return lines
        try:
            return _lines(path.read_bytes())
        except OSError:
            return [""]

    def _rel(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    # -- checking ----------------------------------------------------------------
    def refresh(self, texts: dict[Path, str] | None = None) -> None:
        """See `_refresh`. The cyclic garbage collector is paused meanwhile: a
        check makes millions of small objects and no cycles, and with the last
        check's story still alive a running collector rescans it again and
        again (a third of the time on a 10,000-scene story)."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._refresh(texts)
        finally:
            if was_enabled:
                gc.enable()

    def _refresh(self, texts: dict[Path, str] | None = None) -> None:
        """Check the story again, from the open text (`texts`: a copy taken
        by the caller, when the check runs in another thread) and the disk.
        Everything is built aside and put in place at the end, so a question
        asked while a check runs is answered from the last one."""
        overlay = {}
        for path, text in (dict(self.open) if texts is None else texts).items():
            rel = self._rel(path)
            if rel is not None and not any(part.startswith(".") for part in rel.split("/")):
                overlay[rel] = text.encode("utf-8", errors="surrogatepass")
        unread: list[str] = []
        found: list[tuple[str, str, bytes | None]] = []
        story, diags, whole = loader.load_for_check(self.root, use_cache=False, overlay=overlay, unread=unread,
                                                    files=found)
        if story is not None:
            diags = diags + check.warnings(story, partial=not whole)
        paths = {shown: self.root / rel for rel, shown, _ in found}
        paths.setdefault(str(self.root), self.root / MANIFEST)
        lines_cache = {self.root / rel: _lines(data) for rel, _, data in found if data is not None}
        problems: dict[Path, list[Problem]] = {self.root / rel: [] for rel, _, _ in found}
        for diag in diags:
            path = self._path(diag.file, paths)
            if path is None:
                continue
            lines = lines_cache.get(path) or self.lines_of(path)
            problems.setdefault(path, []).append(self._problem(diag, lines))
        uses, scene_lines, unplaced, placed = self._index(story, paths, lines_cache)
        self.story, self._paths, self.problems, self._lines = story, paths, problems, lines_cache
        self.unread = {p for p in (self._path(name, paths) for name in unread) if p is not None}
        self._uses, self._scene_lines, self._unplaced, self._placed = uses, scene_lines, unplaced, placed
        if story is not None and not self.unread:
            self.good = story  # the last story every file of which was read: completion falls back on it

    def _path(self, shown: str, paths: dict[str, Path] | None = None) -> Path | None:
        path = (self._paths if paths is None else paths).get(shown)
        if path is None:
            candidate = Path(shown)
            candidate = candidate if candidate.is_absolute() else Path.cwd() / candidate
            try:
                candidate = absolute(candidate)
                candidate.relative_to(self.root)
            except (OSError, ValueError):
                return None
            path = candidate if candidate != self.root else self.root / MANIFEST
        return path

    @staticmethod
    def _problem(diag: Diagnostic, lines: list[str]) -> Problem:
        line = max(diag.line - 1, 0)
        text = lines[line] if line < len(lines) else ""
        col = min(max(diag.col - 1, 0), len(text))
        word = WORD.match(text, col)
        end = word.end() if word else min(col + 1, len(text))
        if diag.line == 0:  # the whole file: its first line
            col, end = 0, len(text)
        message = diag.message + (f" ({diag.hint})" if diag.hint else "")
        return Problem(line, col, max(end, col), diag.severity, message)

    def _index(self, story, paths, lines_cache) -> tuple[dict, dict, set, dict]:
        """Where each use sits, checked against the text: a quoted name
        ('"corridor"') is placed after its quote; a use whose text is not
        its name is left out and its name is marked, so rename refuses it."""
        uses: dict[Path, list[tuple[int, int, int, Use]]] = {}
        scene_lines: dict[Path, list[tuple[int, str]]] = {}
        unplaced: set[tuple[str, str]] = set()
        placed: dict[tuple, Spot] = {}
        if story is None:
            return uses, scene_lines, unplaced, placed
        symbols = story.symbols
        for use in symbols.uses:
            path = self._path(use.where.file, paths)
            if path is None:
                continue
            lines = lines_cache.get(path) or self.lines_of(path)
            line, col = use.where.line - 1, use.where.col - 1
            text = lines[line] if 0 <= line < len(lines) else ""
            if text[col:col + 1] in ("'", '"') and text[col + 1:col + 1 + len(use.name)] == use.name:
                col += 1
            kind = use.kind if use.kind != "any" else (symbols.kind_of(use.name) or "any")
            if text[col:col + len(use.name)] != use.name:
                unplaced.add((kind, use.name))
                continue
            uses.setdefault(path, []).append((line, col, col + len(use.name), Use(kind, use.name, use.op,
                                                                                  use.where, use.via)))
            placed[(use.where, use.name)] = Spot(path, line, col, col + len(use.name))
            if kind == "scene" and use.op == DEFINE:
                scene_lines.setdefault(path, []).append((line, use.name))
        for spots in scene_lines.values():
            spots.sort()
        return uses, scene_lines, unplaced, placed

    # -- questions -----------------------------------------------------------------
    def at(self, path: Path, line: int, col: int) -> Ref | None:
        """The scene, flag, item or counter named at a position."""
        path = absolute(path)
        for start_line, start, end, use in self._uses.get(path, ()):
            if start_line == line and start <= col <= end:
                return Ref(use.kind, use.name, Spot(path, line, start, end))
        return None

    def _spot(self, use: Use) -> Spot | None:
        """Where a use sits, as placed by the index (None if it could not be)."""
        return self._placed.get((use.where, use.name))

    def uses(self, kind: str, name: str) -> list[Use]:
        """Every use of a name, `{name: x}` in text included."""
        if self.story is None:
            return []
        found = []
        for k in ((kind, "any") if kind in NAME_KINDS else (kind,)):
            symbol = self.story.symbols.get(k, name)
            found += list(symbol.uses) if symbol else []
        return found

    def definition(self, kind: str, name: str) -> Spot | None:
        """Where a scene is written down; where a name is first set (else first used)."""
        uses = self.uses(kind, name)
        chosen = next((u for u in uses if u.op == DEFINE), None) or next((u for u in uses if u.op == WRITE), None) \
            or (uses[0] if uses else None)
        return self._spot(chosen) if chosen else None

    def references(self, kind: str, name: str, declaration: bool = True) -> list[Spot]:
        spots = [self._spot(u) for u in self.uses(kind, name) if declaration or u.op != DEFINE]
        return [s for s in spots if s is not None]

    def scene_at(self, path: Path, line: int) -> str | None:
        """The scene whose text holds a line (the last defined above it)."""
        found = None
        for start, sid in self._scene_lines.get(absolute(path), ()):
            if start > line:
                break
            found = sid
        return found

    def _where_words(self, use: Use) -> str:
        spot = self._spot(use)
        if spot is None:
            return use.where.file
        shown = self._rel(spot.path) or str(spot.path)
        scene = self.scene_at(spot.path, spot.line)
        return f"{scene + ' · ' if scene else ''}{shown}:{spot.line + 1}"

    def hover(self, kind: str, name: str) -> str:
        """Markdown: a scene's title, chapter, location and first line; a
        name's kind, display name, and where it is set and read."""
        story = self.story
        if story is None:
            return ""
        if kind == "scene":
            scene = story.scenes.get(name)
            if scene is None:
                return f"scene `{name}`: **not defined**"
            parts = [f"**{scene.title}** · scene `{name}`"]
            facts = [f for f in (scene.chapter, scene.location, f"as {scene.pov}" if scene.pov else "") if f]
            if facts:
                parts.append(" · ".join(facts))
            if scene.ending:
                parts.append(f"Ending ({scene.ending.kind}): {scene.ending.title}")
            first = self._first_line(name)
            if first:
                parts.append("> " + first)
            used = [u for u in self.uses("scene", name) if u.op != DEFINE]
            parts.append(f"{len(used)} reference{'s' * (len(used) != 1)}")
            return "\n\n".join(parts)
        uses = self.uses(kind, name)
        shown = story.names.get(name)
        head = f"**{kind}** `{name}`" + (f": {shown}" if shown else "")
        sets = [u for u in uses if u.op in (WRITE, DEFINE)]
        reads = [u for u in uses if u.op == READ]

        def listed(group: list[Use]) -> str:
            words = [self._where_words(u) for u in group[:5]]
            more = f" and {len(group) - 5} more" if len(group) > 5 else ""
            return "; ".join(words) + more if words else "nowhere"

        return "\n\n".join([head, f"Set ({len(sets)}): {listed(sets)}", f"Read ({len(reads)}): {listed(reads)}"])

    def _first_line(self, scene_id: str) -> str:
        try:
            view = engine.view(self.story, engine.start_at(self.story, scene_id))
        except Exception:  # a partial story may not render every scene; the hover goes without
            return ""
        text = " ".join(view.paragraphs[0].split()) if view.paragraphs else ""
        return text if len(text) <= 160 else text[:157].rstrip() + "..."

    # -- completion -------------------------------------------------------------------
    def complete(self, path: Path, line: int, col: int) -> list[Item]:
        lines = self.lines_of(path)
        text = lines[line][:col] if line < len(lines) else ""
        context = _name_context(text)
        if context is not None:
            return self._names(context)
        keys = self._key_context(absolute(path), lines, line, text)
        return [Item(key, "key", detail) for key, detail in keys]

    def _names(self, kinds: tuple[str, ...]) -> list[Item]:
        story = self.story if self.story is not None and not self.unread else (self.good or self.story)
        if story is None:  # (half-typed YAML: the names of the last story read whole)
            return []
        out: list[Item] = []
        if "scene" in kinds:
            for scene in story.scenes.values():
                spot = self._placed.get((scene.where, scene.id))
                where = f" ({self._rel(spot.path)}:{spot.line + 1})" if spot else ""
                out.append(Item(scene.id, "scene", f"{scene.title}{where}"))
        for kind in NAME_KINDS:
            if kind not in kinds:
                continue
            for name in story.symbols.names(kind):
                sets = [u for u in story.symbols.get(kind, name).uses if u.op in (WRITE, DEFINE)]
                detail = f"{kind}, set in {self._where_words(sets[0])}" if sets else f"{kind}, never set"
                out.append(Item(name, kind, detail))
        return out

    def _key_context(self, path: Path, lines: list[str], line: int, before: str) -> list[tuple[str, str]]:
        match = re.fullmatch(r"(\s*)(- )?([A-Za-z_]*)", before)
        if match is None:
            return []
        indent = len(match.group(1)) + (2 if match.group(2) else 0)
        manifest = path.name == MANIFEST
        parent = _parent_key(lines, line, indent)
        if parent is None:
            return KEYS.get("manifest" if manifest else "file", [])
        key, parent_indent = parent
        if manifest:
            return []
        if key in CONTEXT:
            return KEYS.get(CONTEXT[key], [])
        grand = _parent_key(lines, _line_of(lines, line, parent_indent, key), parent_indent)
        if grand is not None and grand[0] == "scenes":  # `key` is a scene id
            return KEYS.get("scene", [])
        return []

    # -- renaming ------------------------------------------------------------------------
    def rename(self, kind: str, name: str, new: str) -> dict[Path, list[Edit]]:
        """Every edit a rename needs, file by file: each use of the name (and
        for a flag, item or counter its display name and save defaults in
        story.yaml), and an entry under `saves: renamed:` so saves made
        before it still load. RenameError, saying why, when it cannot be
        done safely."""
        story = self.story
        if story is None:
            raise RenameError("the story cannot be read yet; fix its errors first")
        if self.unread:
            shown = ", ".join(sorted(self._rel(p) or str(p) for p in self.unread))
            raise RenameError(f"fix the YAML in {shown} first: a rename must see every file")
        if not NAME.match(new) or new in YAML_WORDS:
            raise RenameError(f"'{new}' is not a name: letters, digits, '_' and '-', starting with a letter or "
                              "'_' (and not a YAML word such as null or true)")
        if new == name:
            raise RenameError("that is its name already")
        if kind == "scene" and new in story.scenes:
            raise RenameError(f"there is already a scene '{new}'")
        if kind != "scene" and story.symbols.kind_of(new) is not None:
            raise RenameError(f"'{new}' is already a {story.symbols.kind_of(new)}")
        group = PLURAL[kind]
        earlier = story.migration.renamed.get(group, {})
        if new in earlier and earlier[new] != name:  # (renaming back to it is fine: that entry goes)
            raise RenameError(f"'{new}' is an old name under saves: renamed: (saves made in it go to "
                              f"'{earlier[new]}'); choose another")
        if (kind, name) in self._unplaced:
            raise RenameError(f"a use of '{name}' could not be placed in its file; rename it by hand")
        edits: dict[Path, list[Edit]] = {}
        seen: set[tuple[Path, int, int]] = set()

        def add(path: Path, edit: Edit) -> None:
            if (path, edit.line, edit.col) not in seen:
                seen.add((path, edit.line, edit.col))
                edits.setdefault(path, []).append(edit)

        for use in self.uses(kind, name):
            spot = self._spot(use)
            if spot is not None:
                add(spot.path, Edit(spot.line, spot.col, spot.line, spot.end, new))
        if not edits:
            raise RenameError(f"no {kind} '{name}' in this story")
        manifest = self.root / MANIFEST
        lines = self.lines_of(manifest)
        if kind != "scene":
            for line, col in _manifest_mentions(lines, name):
                add(manifest, Edit(line, col, line, col + len(name), new))
        try:
            entry = saves_entry(lines, group, name, new)
        except ValueError as exc:
            raise RenameError(str(exc)) from None
        for edit in entry:
            add(manifest, edit)
        return edits

    # -- outline ------------------------------------------------------------------------------
    def outline(self, path: Path) -> list[Outline]:
        """The scenes of a file, grouped by chapter, in file order."""
        path = absolute(path)
        story = self.story
        if story is None:
            return []
        starts = self._scene_lines.get(path, [])
        total = len(self.lines_of(path))
        groups: list[Outline] = []
        for i, (line, sid) in enumerate(starts):
            scene = story.scenes.get(sid)
            if scene is None:
                continue
            last = (starts[i + 1][0] - 1) if i + 1 < len(starts) else total - 1
            chapter = scene.chapter or ""
            if not groups or groups[-1].chapter != chapter:
                groups.append(Outline(chapter))
            spot = self.definition("scene", sid)
            if spot is None or spot.path != path:
                continue
            groups[-1].scenes.append((sid, scene.title, spot, max(last, line)))
        return groups


# -- what a line asks for -------------------------------------------------------------------

_SCENE_AFTER = re.compile(r"(?:\b(?:goto|start|call|visited)\s*:\s*|\bvisited\s+)[\"']?([A-Za-z0-9_-]*)\Z")
_ITEM_AFTER = re.compile(r"(?:\bhas\s*:?\s*|\b(?:give|take)\s*:\s*\[?(?:[\w-]+\s*,\s*)*)[\"']?([A-Za-z0-9_-]*)\Z")
_KEYED = {"set": ("flag", "counter"), "clear": ("flag",), "add": ("counter",), "forget": ("counter",),
          "flag": ("flag",), "counter": ("counter",), "if": ("flag", "counter"), "test": ("flag", "counter"),
          "at_least": ("counter",), "at_most": ("counter",), "above": ("counter",), "below": ("counter",),
          "equals": ("counter",)}
_KEY_BEFORE = re.compile(rf"\b({'|'.join(_KEYED)})\s*:[^:]*\Z")


_PROSE = re.compile(r"\s*(- )?(label|title|disabled|chapter|location|pov|description|author|version|id)\s*:")
_LISTED = re.compile(r"\b(add|set|clear|forget|give|take)\s*:\s*[\[{][^\]}]*,\s*[\w-]*\Z")
EXPRESSION = ("flag", "counter")  # a bare name in an expression (an item is `has x`)


def _name_context(before: str) -> tuple[str, ...] | None:
    """Which kinds of name belong at the end of `before` (the line up to the
    cursor), or None when it is not a place for a name."""
    if re.search(r"(^|\s)#", before):  # a comment
        return None
    brace = before.rfind("{")
    flow = re.match(r"\s*(- )?[A-Za-z0-9_-]+\s*:\s*\{", before)  # `if: {flag: ...}`: YAML, not text
    if brace > before.rfind("}") and not flow:  # inside a text's {...}
        inner = before[brace + 1:]
        if re.match(r"\s*name\s*:\s*[\w-]*\Z", inner):
            return NAME_KINDS
        if re.match(r"\s*if\b", inner):
            if re.search(r"\bhas\s+[\w-]*\Z", inner):
                return ("item",)
            if re.search(r"\bvisited\s+[\w-]*\Z", inner):
                return ("scene",)
            return EXPRESSION if ":" not in inner else None
        if re.fullmatch(r"\s*[\w-]*", inner):
            return ("counter",)  # {noise} shows a counter's value
        return None  # {cycle: ...} and the like: words, not names
    if _PROSE.match(before):
        return None
    if _SCENE_AFTER.search(before):
        return ("scene",)
    if _ITEM_AFTER.search(before):
        return ("item",)
    listed = _LISTED.search(before)
    if listed:
        return {**_KEYED, "give": ("item",), "take": ("item",)}[listed.group(1)]
    keyed = _KEY_BEFORE.search(before)
    if keyed and re.search(r"[\w-]*\Z", before):
        return _KEYED[keyed.group(1)]
    return None


def _parent_key(lines: list[str], line: int, indent: int) -> tuple[str, int] | None:
    """The key that holds a line at `indent`: the nearest line above with less
    indentation ending in `key:` (a list item's `- key:` counts as its list's)."""
    for i in range(line - 1, -1, -1):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        own = indent_of(raw)
        if own >= indent:
            continue
        if stripped.startswith("- "):  # an item of a list: look for the list's key above it
            return _parent_key(lines, i, own)
        match = re.match(r"([A-Za-z0-9_-]+)\s*:\s*(#.*)?$", stripped)
        if match:
            return match.group(1), own
        indent = own  # a line with a value: keep climbing
    return None


def _line_of(lines: list[str], below: int, indent: int, key: str) -> int:
    for i in range(below - 1, -1, -1):
        raw = lines[i]
        if indent_of(raw) == indent and raw.strip().startswith(key + ":"):
            return i
    return 0


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """The last line of the block under line `start` (its children are
    indented more than `indent`; blank lines and comments do not end it)."""
    last = start
    for i in range(start + 1, len(lines)):
        raw = lines[i]
        if raw.strip() and not raw.lstrip().startswith("#"):
            if indent_of(raw) <= indent:
                break
            last = i
    return last


def _top_line(lines: list[str], key: str) -> int | None:
    return next((i for i, raw in enumerate(lines) if re.match(rf"{key}\s*:", raw)), None)


def _top_block(lines: list[str], key: str) -> tuple[int, int] | None:
    """The first and last line of a top-level `key:` block."""
    start = _top_line(lines, key)
    return None if start is None else (start, _block_end(lines, start, 0))


def _manifest_mentions(lines: list[str], name: str) -> list[tuple[int, int]]:
    """Where story.yaml names a flag, item or counter outside the uses the
    compiler records: its display name under `names:`, and `saves:
    defaults:` (the state older saves are given)."""
    found = []
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    names = _top_block(lines, "names")
    if names:
        for i in range(names[0], names[1] + 1):
            match = re.match(rf"(\s*(?:names\s*:\s*\{{)?\s*[\"']?){re.escape(name)}[\"']?\s*:", lines[i])
            if match and i > names[0]:
                found.append((i, len(match.group(1))))
            elif i == names[0]:
                found += [(i, m.start()) for m in re.finditer(rf"(?<=[{{,\s]){re.escape(name)}(?=[\"']?\s*:)",
                                                                 lines[i])]
    saves = _top_block(lines, "saves")
    if saves:
        inside = False
        indent = None
        for i in range(saves[0] + 1, saves[1] + 1):
            raw = lines[i]
            own = indent_of(raw)
            if re.match(r"\s*defaults\s*:", raw):
                inside, indent = True, own
                code = raw.split("#", 1)[0]
                found += [(i, m.start()) for m in word.finditer(code) if m.start() > code.index(":")]
                continue
            if inside and raw.strip() and own <= indent:
                inside = False
            if inside:
                code = raw.split("#", 1)[0]
                found += [(i, m.start()) for m in word.finditer(code)]
    return found


def saves_entry(lines: list[str], group: str, old: str, new: str) -> list[Edit]:
    """Edits to story.yaml that record `old -> new` under saves: renamed:
    GROUP:, creating what is missing, and point earlier renames that led to
    `old` at `new` (dropping one that would now map a name to itself). A
    `saves:` or `renamed:` written in flow style raises ValueError: that
    shape is left to the author."""
    edits: list[Edit] = []

    def block_end(start: int, indent: int) -> int:
        return _block_end(lines, start, indent)

    def child(start: int, key: str, indent: int) -> tuple[int, int] | None:
        for i in range(start + 1, block_end(start, indent) + 1):
            raw = lines[i]
            own = indent_of(raw)
            if own > indent and re.match(rf"{key}\s*:", raw.strip()):
                return i, own
        return None

    def child_indent(start: int, indent: int) -> int:
        for i in range(start + 1, block_end(start, indent) + 1):
            raw = lines[i]
            if raw.strip() and not raw.lstrip().startswith("#"):
                return indent_of(raw)
        return indent + 2

    def insert_after(line: int, text: str) -> Edit:
        if line + 1 < len(lines):
            return Edit(line + 1, 0, line + 1, 0, text)
        end = len(lines[line])
        return Edit(line, end, line, end, "\n" + text.rstrip("\n"))

    def block_style(line: int, key: str) -> None:
        rest = re.sub(rf"^\s*{key}\s*:", "", lines[line]).split("#", 1)[0].strip()
        if rest:
            raise ValueError(f"story.yaml writes '{key}:' on one line ({rest}); add '{old}: {new}' under "
                             f"saves: renamed: {group}: by hand")

    saves = _top_line(lines, "saves")
    if saves is None:
        last = len(lines) - 1
        while last > 0 and not lines[last].strip():
            last -= 1
        text = f"saves:\n  renamed:\n    {group}:\n      {old}: {new}\n"
        return [insert_after(last, text)]
    block_style(saves, "saves")
    renamed = child(saves, "renamed", 0)
    if renamed is None:
        pad = " " * child_indent(saves, 0)
        return [insert_after(saves, f"{pad}renamed:\n{pad}  {group}:\n{pad}    {old}: {new}\n")]
    r_line, r_indent = renamed
    block_style(r_line, "renamed")
    found = child(r_line, group, r_indent)
    if found is None:
        pad = " " * child_indent(r_line, r_indent)
        return [insert_after(r_line, f"{pad}{group}:\n{pad}  {old}: {new}\n")]
    g_line, g_indent = found
    raw = lines[g_line]
    flow = re.match(r"(\s*[A-Za-z]+\s*:\s*)\{(.*)\}\s*(#.*)?$", raw)
    if flow:  # scenes: {a: b, c: d}
        pairs = []
        for part in (p.strip() for p in flow.group(2).split(",")):
            key, _, value = (x.strip().strip("\"'") for x in part.partition(":"))
            if key:
                pairs.append([key, value])
        for pair in pairs:
            if pair[1] == old:
                pair[1] = new
        pairs = [p for p in pairs if p[0] != p[1]]
        if any(p[0] == old for p in pairs):
            for p in pairs:
                if p[0] == old:
                    p[1] = new
        else:
            pairs.append([old, new])
        start = len(flow.group(1))
        end = raw.rindex("}") + 1
        return [Edit(g_line, start, g_line, end, "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")]
    if raw.split("#", 1)[0].split(":", 1)[1].strip():
        raise ValueError(f"story.yaml writes '{group}:' under saves: renamed: in a form this cannot edit; add "
                         f"'{old}: {new}' there by hand")
    last = block_end(g_line, g_indent)
    pad = " " * child_indent(g_line, g_indent)
    keyed = False
    for i in range(g_line + 1, last + 1):
        match = re.match(r"(\s*)([\"']?)([\w-]+)\2(\s*:\s*)([\"']?)([\w-]+)\5(\s*(#.*)?)$", lines[i])
        if not match:
            continue
        key, value = match.group(3), match.group(6)
        if value == old and key == new:  # new: old, now new: new: the entry goes
            edits.append(Edit(i, 0, i + 1, 0, ""))
        elif value == old:  # x: old  ->  x: new
            col = match.end(5)
            edits.append(Edit(i, col, i, col + len(old), new))
        elif key == old:  # old was an older name already: it now leads to new
            keyed = True
            col = match.end(5)
            edits.append(Edit(i, col, i, col + len(value), new))
    if not keyed:
        edits.append(insert_after(last, f"{pad}{old}: {new}\n"))
    return edits
