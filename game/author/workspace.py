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

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from game.core import engine
from game.core import model as m
from game.core.errors import ERROR, Diagnostic
from game.core.kinds import DEFINE, NAME_KINDS, READ, WRITE, Use
from game.story import check, loader

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
WORD = re.compile(r"[A-Za-z0-9_-]+")
SCHEMA = Path(__file__).resolve().parent.parent / "schema"
MANIFEST = loader.MANIFEST
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
    JSON Schemas the editor support already ships)."""
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        scenes = json.loads((SCHEMA / "scenes.schema.json").read_text(encoding="utf-8"))
        story = json.loads((SCHEMA / "story.schema.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return out

    def keys(node) -> list[tuple[str, str]]:
        props = node.get("properties", {}) if isinstance(node, dict) else {}
        return [(k, (v.get("description") or "") if isinstance(v, dict) else "") for k, v in props.items()]

    defs = scenes.get("$defs", {})
    out["file"] = keys(scenes)
    out["manifest"] = keys(story)
    for name in ("scene", "choice", "ending", "effects", "fallback"):
        out[name] = keys(defs.get(name, {}))
    return out


KEYS = _schema_keys()
CONTEXT = {"choices": "choice", "ending": "ending", "effects": "effects", "fallback": "fallback"}


class Workspace:
    """One story folder: its files, the editor's open text over them, and
    the story checked from both at the last `refresh`."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.open: dict[Path, str] = {}
        self.story: m.Story | None = None
        self.whole = False
        self.problems: dict[Path, list[Problem]] = {}
        self.files: list[Path] = []
        self._uses: dict[Path, list[tuple[int, int, int, Use]]] = {}
        self._scene_lines: dict[Path, list[tuple[int, str]]] = {}
        self._paths: dict[str, Path] = {}

    # -- the text -------------------------------------------------------------
    def set_text(self, path: Path, text: str) -> None:
        self.open[Path(path).resolve()] = text

    def close(self, path: Path) -> None:
        self.open.pop(Path(path).resolve(), None)

    def text_of(self, path: Path) -> str:
        path = Path(path).resolve()
        if path in self.open:
            return self.open[path]
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def lines_of(self, path: Path) -> list[str]:
        return self.text_of(path).split("\n")

    def _rel(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    # -- checking ----------------------------------------------------------------
    def refresh(self) -> None:
        """Check the story again, from the open text and the disk."""
        overlay = {}
        for path, text in self.open.items():
            rel = self._rel(path)
            if rel is not None:
                overlay[rel] = text.encode("utf-8")
        story, diags, whole = loader.load_for_check(self.root, use_cache=False, overlay=overlay)
        if story is not None:
            diags = diags + check.warnings(story, partial=not whole)
        self.story, self.whole = story, whole
        rels = [MANIFEST, *loader.story_files(self.root)]
        rels += sorted(rel for rel in overlay if rel not in rels and rel.endswith(loader.SUFFIXES))
        self.files = [self.root / rel for rel in rels]
        self._paths = {loader.display_path(self.root, rel): self.root / rel for rel in rels}
        self._paths.setdefault(str(self.root), self.root / MANIFEST)
        problems: dict[Path, list[Problem]] = {path: [] for path in self.files}
        lines_cache: dict[Path, list[str]] = {}
        for diag in diags:
            path = self._path(diag.file)
            if path is None:
                continue
            lines = lines_cache.setdefault(path, self.lines_of(path))
            problems.setdefault(path, []).append(self._problem(diag, lines))
        self.problems = problems
        self._index()

    def _path(self, shown: str) -> Path | None:
        path = self._paths.get(shown)
        if path is None:
            candidate = Path(shown)
            candidate = candidate if candidate.is_absolute() else Path.cwd() / candidate
            try:
                candidate = candidate.resolve()
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

    def _index(self) -> None:
        self._uses, self._scene_lines = {}, {}
        if self.story is None:
            return
        for use in self.story.symbols.uses:
            path = self._path(use.where.file)
            if path is None:
                continue
            line, col = use.where.line - 1, use.where.col - 1
            self._uses.setdefault(path, []).append((line, col, col + len(use.name), use))
            if use.kind == "scene" and use.op == DEFINE:
                self._scene_lines.setdefault(path, []).append((line, use.name))
        for spots in self._scene_lines.values():
            spots.sort()

    # -- questions -----------------------------------------------------------------
    def at(self, path: Path, line: int, col: int) -> Ref | None:
        """The scene, flag, item or counter named at a position."""
        path = Path(path).resolve()
        for start_line, start, end, use in self._uses.get(path, ()):
            if start_line == line and start <= col <= end:
                return Ref(use.kind, use.name, Spot(path, line, start, end))
        return None

    def _spot(self, use: Use) -> Spot | None:
        path = self._path(use.where.file)
        if path is None:
            return None
        col = use.where.col - 1
        return Spot(path, use.where.line - 1, col, col + len(use.name))

    def uses(self, kind: str, name: str) -> list[Use]:
        if self.story is None:
            return []
        symbol = self.story.symbols.get(kind, name)
        return list(symbol.uses) if symbol else []

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
        for start, sid in self._scene_lines.get(Path(path).resolve(), ()):
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
        shown = story.names.get(name) if hasattr(story, "names") else None
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
        keys = self._key_context(Path(path).resolve(), lines, line, text)
        return [Item(key, "key", detail) for key, detail in keys]

    def _names(self, kinds: tuple[str, ...]) -> list[Item]:
        story = self.story
        if story is None:
            return []
        out: list[Item] = []
        if "scene" in kinds:
            for scene in story.scenes.values():
                spot = self.definition("scene", scene.id)
                where = f" ({self._rel(spot.path)}:{spot.line + 1})" if spot else ""
                out.append(Item(scene.id, "scene", f"{scene.title}{where}"))
        for kind in NAME_KINDS:
            if kind not in kinds:
                continue
            for name in story.symbols.names(kind):
                sets = [u for u in self.uses(kind, name) if u.op in (WRITE, DEFINE)]
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
        """Every edit a rename needs, file by file: each use of the name, and
        an entry under `saves: renamed:` in story.yaml so saves made before
        it still load. RenameError when it cannot be done."""
        if self.story is None:
            raise RenameError("the story cannot be read yet; fix its errors first")
        if not NAME.match(new):
            raise RenameError(f"'{new}' is not a name: letters, digits, '_' and '-', starting with a letter or '_'")
        if new == name:
            raise RenameError("that is its name already")
        if kind == "scene" and new in self.story.scenes:
            raise RenameError(f"there is already a scene '{new}'")
        if kind != "scene" and self.story.symbols.kind_of(new) is not None:
            raise RenameError(f"'{new}' is already a {self.story.symbols.kind_of(new)}")
        edits: dict[Path, list[Edit]] = {}
        seen: set[tuple[Path, int, int]] = set()
        for use in self.uses(kind, name):
            spot = self._spot(use)
            if spot is None or (spot.path, spot.line, spot.col) in seen:
                continue
            seen.add((spot.path, spot.line, spot.col))
            edits.setdefault(spot.path, []).append(Edit(spot.line, spot.col, spot.line, spot.end, new))
        if not edits:
            raise RenameError(f"no {kind} '{name}' in this story")
        manifest = self.root / MANIFEST
        taken = {(e.line, e.col) for e in edits.get(manifest, ())}
        for edit in saves_entry(self.lines_of(manifest), PLURAL[kind], name, new):
            if (edit.line, edit.col) not in taken:
                edits.setdefault(manifest, []).append(edit)
        return edits

    # -- outline ------------------------------------------------------------------------------
    def outline(self, path: Path) -> list[Outline]:
        """The scenes of a file, grouped by chapter, in file order."""
        path = Path(path).resolve()
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

    def errors(self) -> int:
        return sum(p.severity == ERROR for problems in self.problems.values() for p in problems)


# -- what a line asks for -------------------------------------------------------------------

_SCENE_AFTER = re.compile(r"(?:\b(?:goto|start|call|visited)\s*:\s*|\bvisited\s+)[\"']?([A-Za-z0-9_-]*)\Z")
_ITEM_AFTER = re.compile(r"(?:\bhas\s*:?\s*|\b(?:give|take)\s*:\s*\[?(?:[\w-]+\s*,\s*)*)[\"']?([A-Za-z0-9_-]*)\Z")
_KEYED = {"set": ("flag", "counter"), "clear": ("flag",), "add": ("counter",), "forget": ("counter",),
          "flag": ("flag",), "counter": ("counter",), "if": NAME_KINDS, "test": NAME_KINDS,
          "at_least": ("counter",), "at_most": ("counter",), "above": ("counter",), "below": ("counter",),
          "equals": ("counter",)}
_KEY_BEFORE = re.compile(r"\b(set|clear|add|forget|flag|counter|if|test|at_least|at_most|above|below|equals)\s*:"
                         r"[^:]*\Z")


def _name_context(before: str) -> tuple[str, ...] | None:
    """Which kinds of name belong at the end of `before` (the line up to the
    cursor), or None when it is not a place for a name."""
    if _SCENE_AFTER.search(before):
        return ("scene",)
    if _ITEM_AFTER.search(before):
        return ("item",)
    brace = before.rfind("{")
    flow = re.match(r"\s*(- )?[A-Za-z0-9_-]+\s*:\s*\{", before)  # `if: {flag: ...}`: YAML, not text
    if brace > before.rfind("}") and not flow:  # inside a text's {name} or {if ...}
        return NAME_KINDS
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
        own = len(raw) - len(raw.lstrip(" "))
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
        if len(raw) - len(raw.lstrip(" ")) == indent and raw.strip().startswith(key + ":"):
            return i
    return 0


def saves_entry(lines: list[str], group: str, old: str, new: str) -> list[Edit]:
    """Edits to story.yaml that record `old -> new` under saves: renamed:
    GROUP:, creating what is missing, and point earlier renames that led to
    `old` at `new` (a chain would name a scene that no longer exists)."""
    edits: list[Edit] = []

    def block_end(start: int, indent: int) -> int:
        """The last line of the block under `start` (children indented more)."""
        last = start
        for i in range(start + 1, len(lines)):
            raw = lines[i]
            if raw.strip() and not raw.lstrip().startswith("#"):
                if len(raw) - len(raw.lstrip(" ")) <= indent:
                    break
                last = i
        return last

    def child(start: int, key: str, indent: int) -> tuple[int, int] | None:
        for i in range(start + 1, block_end(start, indent) + 1):
            raw = lines[i]
            own = len(raw) - len(raw.lstrip(" "))
            if own > indent and re.match(rf"{key}\s*:", raw.strip()):
                return i, own
        return None

    def child_indent(start: int, indent: int) -> int:
        for i in range(start + 1, block_end(start, indent) + 1):
            raw = lines[i]
            if raw.strip() and not raw.lstrip().startswith("#"):
                return len(raw) - len(raw.lstrip(" "))
        return indent + 2

    def insert_after(line: int, text: str) -> Edit:
        if line + 1 < len(lines):
            return Edit(line + 1, 0, line + 1, 0, text)
        end = len(lines[line])
        return Edit(line, end, line, end, "\n" + text.rstrip("\n"))

    saves = next((i for i, raw in enumerate(lines) if re.match(r"saves\s*:\s*(#.*)?$", raw)), None)
    if saves is None:
        last = len(lines) - 1
        while last > 0 and not lines[last].strip():
            last -= 1
        text = f"saves:\n  renamed:\n    {group}:\n      {old}: {new}\n"
        return [insert_after(last, text)]
    renamed = child(saves, "renamed", 0)
    if renamed is None:
        pad = " " * child_indent(saves, 0)
        return [insert_after(saves, f"{pad}renamed:\n{pad}  {group}:\n{pad}    {old}: {new}\n")]
    r_line, r_indent = renamed
    found = child(r_line, group, r_indent)
    if found is None:
        pad = " " * child_indent(r_line, r_indent)
        return [insert_after(r_line, f"{pad}{group}:\n{pad}  {old}: {new}\n")]
    g_line, g_indent = found
    raw = lines[g_line]
    flow = re.match(r"(\s*[A-Za-z]+\s*:\s*)\{(.*)\}\s*(#.*)?$", raw)
    if flow:  # scenes: {a: b, c: d}
        inner = flow.group(2)
        body = [p.strip() for p in inner.split(",") if p.strip()]
        body = [re.sub(rf":\s*{re.escape(old)}$", f": {new}", p) for p in body]
        body.append(f"{old}: {new}")
        start = len(flow.group(1))
        end = raw.rindex("}") + 1
        return [Edit(g_line, start, g_line, end, "{" + ", ".join(body) + "}")]
    last = block_end(g_line, g_indent)
    pad = " " * child_indent(g_line, g_indent)
    for i in range(g_line + 1, last + 1):  # x: old  ->  x: new
        match = re.match(rf"(\s*[\w-]+\s*:\s*){re.escape(old)}(\s*(#.*)?)$", lines[i])
        if match:
            col = len(match.group(1))
            edits.append(Edit(i, col, i, col + len(old), new))
    edits.append(insert_after(last, f"{pad}{old}: {new}\n"))
    return edits
