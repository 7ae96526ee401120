"""`dead-reckoning lsp`: the checker inside every editor, over the Language
Server Protocol on stdio (pygls, from the optional `lsp` extra).

Each story folder the editor touches (the workspace, or the folder above an
open file that holds a story.yaml) is a `Workspace`: the files on disk with
the editor's unsaved text over them. Every open, change, save or close
checks that story again and publishes diagnostics for every one of its
files (an empty list clears a file that was fixed). Completion, hover,
definition, references, rename and document symbols answer from the last
check. This module only translates: the answers come from
`game.author.workspace`.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from game import __version__
from game.author.workspace import Edit, RenameError, Spot, Workspace, absolute, find_root
from game.core.errors import ERROR

SEVERITY = {ERROR: t.DiagnosticSeverity.Error}
SETTLE = 0.05  # seconds of quiet typing before a check: a burst of keys costs one check, not one each
ITEM_KIND = {"scene": t.CompletionItemKind.Module, "flag": t.CompletionItemKind.Variable,
             "item": t.CompletionItemKind.Constant, "counter": t.CompletionItemKind.Field,
             "key": t.CompletionItemKind.Property}


def to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return absolute(unquote(parsed.path))  # links kept: answers name the file the editor has open


def to_uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _units(text: str, col: int) -> int:
    """A column in characters as UTF-16 code units (what LSP counts by default)."""
    return len(text[:col].encode("utf-16-le")) // 2


def _chars(text: str, units: int) -> int:
    """UTF-16 code units back to a column in characters."""
    count = 0
    for i, ch in enumerate(text):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


class StoryServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("dead-reckoning", __version__,
                         text_document_sync_kind=t.TextDocumentSyncKind.Full)
        self.stories: dict[Path, Workspace] = {}
        self.published: dict[Path, dict[Path, tuple]] = {}  # story -> file -> what it was last told
        self.folders: list[Path] = []
        self.pending: dict[Path, asyncio.Task] = {}  # the check waiting to run, per story
        self.running: dict[Path, asyncio.Lock] = {}  # one check at a time per story

    # -- stories and positions --------------------------------------------------
    def story_for(self, path: Path | None, now: bool = True) -> Workspace | None:
        """The story a file belongs to. Met for the first time, it is checked
        whole and every file published: at once for a request that needs the
        answer (`now`), else soon, off the event loop."""
        if path is None:
            return None
        root = find_root(path)
        if root is None:
            return None
        root = absolute(root)
        if root not in self.stories:
            self.stories[root] = Workspace(root)
            if now:
                self.check(self.stories[root])
            else:
                self.later(self.stories[root])
        return self.stories[root]

    def line(self, ws: Workspace, path: Path, line: int) -> str:
        lines = ws.lines_of(path)
        return lines[line] if 0 <= line < len(lines) else ""

    def position(self, ws: Workspace, path: Path, pos: t.Position) -> tuple[int, int]:
        return pos.line, _chars(self.line(ws, path, pos.line), pos.character)

    def range(self, ws: Workspace, spot: Spot) -> t.Range:
        text = self.line(ws, spot.path, spot.line)
        return t.Range(t.Position(spot.line, _units(text, spot.col)), t.Position(spot.line, _units(text, spot.end)))

    def location(self, ws: Workspace, spot: Spot) -> t.Location:
        return t.Location(uri=to_uri(spot.path), range=self.range(ws, spot))

    def text_edit(self, ws: Workspace, path: Path, edit: Edit) -> t.TextEdit:
        start = self.line(ws, path, edit.line)
        end = self.line(ws, path, edit.end_line)
        return t.TextEdit(range=t.Range(t.Position(edit.line, _units(start, edit.col)),
                                        t.Position(edit.end_line, _units(end, edit.end_col))),
                          new_text=edit.text)

    # -- diagnostics ----------------------------------------------------------------
    def check(self, ws: Workspace) -> None:
        """Check now, in this thread (the first check of a story)."""
        ws.refresh()
        self.publish(ws)

    def later(self, ws: Workspace) -> None:
        """Check soon, off the event loop: a newer edit cancels a check still
        waiting, and requests are answered from the last check meanwhile."""
        waiting = self.pending.get(ws.root)
        if waiting is not None and not waiting.done():
            waiting.cancel()
        self.pending[ws.root] = asyncio.ensure_future(self._check_later(ws))

    async def _check_later(self, ws: Workspace) -> None:
        await asyncio.sleep(SETTLE)
        lock = self.running.setdefault(ws.root, asyncio.Lock())
        async with lock:
            texts = dict(ws.open)
            await asyncio.to_thread(ws.refresh, texts)
        if self.pending.get(ws.root) is asyncio.current_task():
            self.publish(ws)

    def publish(self, ws: Workspace) -> None:
        """Publish what changed: every file the first time, then each file
        whose diagnostics differ (an empty list clears a fixed file; a file
        gone from the story, or a story whose story.yaml is gone, is cleared
        too)."""
        before = self.published.setdefault(ws.root, {})
        now: dict[Path, tuple] = {}
        alive = (ws.root / "story.yaml").is_file()
        for path, problems in (ws.problems.items() if alive else ()):
            diagnostics = []
            for p in problems:
                diagnostics.append(t.Diagnostic(
                    range=self.range(ws, Spot(path, p.line, p.col, p.end)), message=p.message,
                    severity=SEVERITY.get(p.severity, t.DiagnosticSeverity.Warning), source="dead-reckoning"))
            key = tuple((d.range.start.line, d.range.start.character, d.range.end.character, d.message)
                        for d in diagnostics)
            now[path] = key
            if before.get(path) != key:
                self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=to_uri(path),
                                                                                  diagnostics=diagnostics))
        for gone in set(before) - set(now):
            if before[gone]:
                self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=to_uri(gone), diagnostics=[]))
        self.published[ws.root] = now
        if not alive:  # no story here any more: forget it (a story.yaml put back starts it again)
            self.stories.pop(ws.root, None)

    def edited(self, uri: str, text: str | None) -> None:
        path = to_path(uri)
        ws = self.story_for(path, now=False)
        if ws is None:
            for known in list(self.stories.values()):  # its story.yaml went away
                if path is not None and known.root in path.parents:
                    self.later(known)
            return
        if text is None:
            ws.close(path)
        else:
            ws.set_text(path, text)
        self.later(ws)


server = StoryServer()


@server.feature(t.INITIALIZED)
def initialized(ls: StoryServer, params: t.InitializedParams) -> None:
    """A story folder opened as the workspace is checked at once, whole."""
    for folder in ls.folders:
        if (folder / "story.yaml").is_file():
            ls.story_for(folder / "story.yaml", now=False)
    watching = ls.client_capabilities.workspace and \
        ls.client_capabilities.workspace.did_change_watched_files
    if watching and watching.dynamic_registration:  # files changed outside the editor: a checkout, a script
        ls.client_register_capability(t.RegistrationParams(registrations=[t.Registration(
            id="dead-reckoning-yaml", method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=t.DidChangeWatchedFilesRegistrationOptions(
                watchers=[t.FileSystemWatcher(glob_pattern="**/*.{yaml,yml}")]))]))


@server.feature(t.INITIALIZE)
def initialize(ls: StoryServer, params: t.InitializeParams) -> None:
    folders = [f.uri for f in (params.workspace_folders or [])] or ([params.root_uri] if params.root_uri else [])
    ls.folders = [p for p in (to_path(uri) for uri in folders) if p is not None]


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: StoryServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.edited(params.text_document.uri, params.text_document.text)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: StoryServer, params: t.DidChangeTextDocumentParams) -> None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    ls.edited(params.text_document.uri, document.source)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: StoryServer, params: t.DidSaveTextDocumentParams) -> None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    ls.edited(params.text_document.uri, document.source)


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def watched(ls: StoryServer, params: t.DidChangeWatchedFilesParams) -> None:
    """Files changed on disk (a checkout, another program): check their stories again."""
    seen = set()
    for change in params.changes:
        path = to_path(change.uri)
        if path is None:
            continue
        for ws in list(ls.stories.values()):
            if ws.root in path.parents and ws.root not in seen:
                seen.add(ws.root)
                ls.later(ws)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: StoryServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.edited(params.text_document.uri, None)


def _at(ls: StoryServer, uri: str, pos: t.Position):
    path = to_path(uri)
    ws = ls.story_for(path)
    if ws is None:
        return None, None
    line, col = ls.position(ws, path, pos)
    return ws, ws.at(path, line, col)


@server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[":", " ", "{", ","]))
def completion(ls: StoryServer, params: t.CompletionParams) -> t.CompletionList:
    path = to_path(params.text_document.uri)
    ws = ls.story_for(path)
    if ws is None:
        return t.CompletionList(is_incomplete=False, items=[])
    line, col = ls.position(ws, path, params.position)
    text = ls.line(ws, path, line)
    start = col
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        start -= 1  # the part of a name already typed is replaced, hyphens and all
    typed = t.Range(t.Position(line, _units(text, start)), t.Position(line, params.position.character))
    items = [t.CompletionItem(label=i.label, kind=ITEM_KIND.get(i.kind), detail=i.detail or None,
                              text_edit=t.TextEdit(range=typed,
                                                   new_text=f"{i.label}: " if i.kind == "key" else i.label))
             for i in ws.complete(path, line, col)]
    return t.CompletionList(is_incomplete=False, items=items)


@server.feature(t.TEXT_DOCUMENT_HOVER)
def hover(ls: StoryServer, params: t.HoverParams) -> t.Hover | None:
    ws, ref = _at(ls, params.text_document.uri, params.position)
    if ref is None:
        return None
    text = ws.hover(ref.kind, ref.name)
    if not text:
        return None
    return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text), range=ls.range(ws, ref.spot))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
def definition(ls: StoryServer, params: t.DefinitionParams) -> t.Location | None:
    ws, ref = _at(ls, params.text_document.uri, params.position)
    if ref is None:
        return None
    spot = ws.definition(ref.kind, ref.name)
    return ls.location(ws, spot) if spot else None


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
def references(ls: StoryServer, params: t.ReferenceParams) -> list[t.Location] | None:
    ws, ref = _at(ls, params.text_document.uri, params.position)
    if ref is None:
        return None
    return [ls.location(ws, s) for s in ws.references(ref.kind, ref.name, params.context.include_declaration)]


@server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: StoryServer, params: t.PrepareRenameParams):
    ws, ref = _at(ls, params.text_document.uri, params.position)
    if ref is None:
        return None
    return t.PrepareRenamePlaceholder(range=ls.range(ws, ref.spot), placeholder=ref.name)


@server.feature(t.TEXT_DOCUMENT_RENAME, t.RenameOptions(prepare_provider=True))
def rename(ls: StoryServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
    ws, ref = _at(ls, params.text_document.uri, params.position)
    if ref is None:
        return None
    try:
        edits = ws.rename(ref.kind, ref.name, params.new_name)
    except RenameError as exc:
        raise ValueError(f"cannot rename {ref.kind} '{ref.name}': {exc}") from None
    return t.WorkspaceEdit(changes={to_uri(p): [ls.text_edit(ws, p, e) for e in es] for p, es in edits.items()})


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: StoryServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
    path = to_path(params.text_document.uri)
    ws = ls.story_for(path)
    if ws is None:
        return []
    out = []
    for group in ws.outline(path):
        children = []
        for sid, title, spot, last in group.scenes:
            name = ls.range(ws, spot)
            end = ls.line(ws, path, last)
            whole = t.Range(t.Position(spot.line, 0), t.Position(last, _units(end, len(end))))
            children.append(t.DocumentSymbol(name=sid, detail=title, kind=t.SymbolKind.Class, range=whole,
                                             selection_range=name))
        if not children:
            continue
        if not group.chapter:
            out.extend(children)
            continue
        whole = t.Range(children[0].range.start, children[-1].range.end)
        out.append(t.DocumentSymbol(name=group.chapter, kind=t.SymbolKind.Namespace, range=whole,
                                    selection_range=children[0].selection_range, children=children))
    return out


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    server.start_io()
    return 0
