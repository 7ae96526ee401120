"""`dead-reckoning lsp`, driven over stdio by pygls's own client as an editor
drives it: diagnostics from unsaved text on open and change (and cleared
when fixed), completion, hover, definition, references, rename with its
saves entry, and document symbols."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as t  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from conftest import ROOT, apply_edits, game_env  # noqa: E402


@pytest.fixture
def story(vault) -> Path:
    return vault


class Editor:
    """An editor's side of the conversation: open, type, ask."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.diagnostics: dict[str, list[t.Diagnostic]] = {}
        self.published = asyncio.Event()
        self.versions: dict[str, int] = {}

        @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: t.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = list(params.diagnostics)
            self.published.set()

    async def settle(self, test=lambda: True, timeout: float = 20) -> None:
        """Wait until published diagnostics pass `test`."""
        async def until():
            while not test():
                self.published.clear()
                await self.published.wait()
        await asyncio.wait_for(until(), timeout)

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text=path.read_text() if text is None else text)))
        return uri

    async def opened(self, path: Path, text: str | None = None) -> str:
        """Open a file and wait for its first diagnostics."""
        uri = self.open(path, text)
        await self.settle(lambda: uri in self.diagnostics)
        return uri

    def type(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))


def run_editor(folder: Path, scenario, workspace: bool = True) -> None:
    """Start the server on stdio with `folder` as the workspace (or none:
    a single file opened on its own) and play `scenario(editor)` against it."""
    async def main():
        client = LanguageClient("test-editor", "1")
        editor = Editor(client)
        await client.start_io(sys.executable, "-m", "game", "lsp", env=game_env(folder.parent), cwd=str(ROOT))
        await client.initialize_async(t.InitializeParams(
            capabilities=t.ClientCapabilities(), root_uri=folder.as_uri() if workspace else None,
            workspace_folders=[t.WorkspaceFolder(uri=folder.as_uri(), name="story")] if workspace else None))
        client.initialized(t.InitializedParams())
        try:
            await asyncio.wait_for(scenario(editor), 60)
        finally:
            await client.shutdown_async(None)
            client.exit(None)
            await client.stop()
    asyncio.run(main())


def where(text: str, needle: str, offset: int = 0) -> t.Position:
    """The position of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return t.Position(line, index - (text.rfind("\n", 0, index) + 1))


def doc(uri: str) -> t.TextDocumentIdentifier:
    return t.TextDocumentIdentifier(uri=uri)


def test_diagnostics_follow_the_unsaved_text_and_clear_when_fixed(story):
    bank = story / "bank.yaml"
    original = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        assert editor.diagnostics[uri] == []
        broken = original.replace("goto: corridor\n        if: {has: lockpicks}", "goto: corridr\n        if: {has: lockpicks}")
        editor.type(uri, broken)  # typed, not saved
        await editor.settle(lambda: editor.diagnostics.get(uri))
        [problem] = editor.diagnostics[uri]
        assert problem.severity == t.DiagnosticSeverity.Error and "corridr" in problem.message
        assert problem.range.start == where(broken, "corridr") and problem.range.end == where(broken, "corridr", 7)
        assert bank.read_text() == original  # the disk was never touched
        editor.type(uri, original)
        await editor.settle(lambda: editor.diagnostics.get(uri) == [])

    run_editor(story, scenario)


def test_a_problem_in_another_file_is_published_for_that_file(story):
    """Unsaved edits in one file are checked with every other file of the
    story: removing a scene breaks a goto in the manifest (`start`)."""
    bank = story / "bank.yaml"
    manifest = story / "story.yaml"

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        text = bank.read_text().replace("  alley:\n", "  lane:\n", 1)
        editor.type(uri, text)
        await editor.settle(lambda: editor.diagnostics.get(manifest.as_uri()))
        [problem] = [d for d in editor.diagnostics[manifest.as_uri()] if "alley" in d.message]
        assert problem.range.start == where(manifest.read_text(), "start: alley", 7)

    run_editor(story, scenario)


def test_completion_offers_scenes_after_goto_and_names_in_conditions_and_keys(story):
    bank = story / "bank.yaml"
    text = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        scenes = await editor.client.text_document_completion_async(t.CompletionParams(
            text_document=doc(uri), position=where(text, "goto: corridor", 6)))
        labels = {i.label: i for i in scenes.items}
        assert {"alley", "corridor", "caught"} <= set(labels)
        assert labels["corridor"].detail.startswith("The Corridor")
        assert "noise" not in labels
        names = await editor.client.text_document_completion_async(t.CompletionParams(
            text_document=doc(uri), position=where(text, "if: {flag: guard_asleep}", 11)))
        found = {i.label: i for i in names.items}
        assert "guard_asleep" in found and "alley" not in found
        assert "flag, set in corridor" in found["guard_asleep"].detail
        placeholder = await editor.client.text_document_completion_async(t.CompletionParams(
            text_document=doc(uri), position=where(text, "{noise}", 1)))
        assert "noise" in {i.label for i in placeholder.items}
        lines = text.split("\n")
        row = next(i for i, line in enumerate(lines) if line.strip().startswith("checkpoint: true"))
        keys = await editor.client.text_document_completion_async(t.CompletionParams(
            text_document=doc(uri), position=t.Position(row, 4)))
        assert {"title", "choices", "ending", "checkpoint"} <= {i.label for i in keys.items}

    run_editor(story, scenario)


def test_hover_definition_and_references(story):
    bank = story / "bank.yaml"
    text = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        at_goto = where(text, "goto: corridor", 7)
        shown = await editor.client.text_document_hover_async(t.HoverParams(text_document=doc(uri), position=at_goto))
        assert "**The Corridor**" in shown.contents.value and "The corridor smells of floor polish" in \
            shown.contents.value
        target = await editor.client.text_document_definition_async(t.DefinitionParams(
            text_document=doc(uri), position=at_goto))
        assert target.uri == uri and target.range.start == where(text, "  corridor:", 2)
        refs = await editor.client.text_document_references_async(t.ReferenceParams(
            text_document=doc(uri), position=at_goto, context=t.ReferenceContext(include_declaration=True)))
        expected = text.count("goto: corridor") + 1
        assert len(refs) == expected
        flag = await editor.client.text_document_hover_async(t.HoverParams(
            text_document=doc(uri), position=where(text, "{flag: guard_asleep}", 8)))
        assert "**flag** `guard_asleep`: the guard is asleep" in flag.contents.value
        assert "Set (1): corridor" in flag.contents.value

    run_editor(story, scenario)


def test_rename_a_scene_edits_every_file_and_keeps_old_saves_loading(story):
    bank = story / "bank.yaml"
    text = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        ready = await editor.client.text_document_prepare_rename_async(t.PrepareRenameParams(
            text_document=doc(uri), position=where(text, "  alley:", 3)))
        assert ready.placeholder == "alley"
        change = await editor.client.text_document_rename_async(t.RenameParams(
            text_document=doc(uri), position=where(text, "  alley:", 3), new_name="back_alley"))
        for file_uri, edits in change.changes.items():  # apply as the editor would (ASCII: units are characters)
            apply_edits(Path(file_uri.removeprefix("file://")),
                        [(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character,
                          e.new_text) for e in edits])
        assert set(change.changes) == {bank.as_uri(), (story / "story.yaml").as_uri()}

    run_editor(story, scenario)
    from game.story import loader

    renamed = loader.load_story(story)
    assert "back_alley" in renamed.scenes and "alley" not in renamed.scenes
    assert renamed.start == "back_alley"
    assert renamed.migration.renamed["scenes"] == {"alley": "back_alley"}


def test_rename_refuses_a_name_that_is_taken(story):
    bank = story / "bank.yaml"
    text = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        with pytest.raises(Exception, match="already a scene 'corridor'"):
            await editor.client.text_document_rename_async(t.RenameParams(
                text_document=doc(uri), position=where(text, "  alley:", 3), new_name="corridor"))

    run_editor(story, scenario)


def test_document_symbols_list_scenes_by_chapter(story):
    bank = story / "bank.yaml"

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        outline = await editor.client.text_document_document_symbol_async(t.DocumentSymbolParams(
            text_document=doc(uri)))
        [chapter] = outline
        assert chapter.name == "The Night Vault"
        assert [s.name for s in chapter.children] == ["alley", "corridor", "vault", "street", "caught"]
        assert chapter.children[0].detail == "The Alley"

    run_editor(story, scenario)


def test_a_single_file_opened_without_a_workspace_finds_its_story(story):
    """No workspace folder: the file's own folder has the story.yaml, and
    the whole story is checked with it."""
    bank = story / "bank.yaml"
    text = bank.read_text().replace("goto: caught", "goto: cought", 1)

    async def scenario(editor: Editor):
        uri = editor.open(bank, text)
        await editor.settle(lambda: editor.diagnostics.get(uri))
        assert any("cought" in d.message for d in editor.diagnostics[uri])
        found = await editor.client.text_document_definition_async(t.DefinitionParams(
            text_document=doc(uri), position=where(text, "goto: corridor", 7)))
        assert found.range.start == where(text, "  corridor:", 2)

    run_editor(story, scenario, workspace=False)


def test_a_story_folder_opened_as_the_workspace_is_checked_before_any_file_is_opened(story):
    bank = story / "bank.yaml"
    bank.write_text(bank.read_text().replace("goto: caught", "goto: cought", 1))

    async def scenario(editor: Editor):
        await editor.settle(lambda: editor.diagnostics.get(bank.as_uri()))
        assert any("cought" in d.message for d in editor.diagnostics[bank.as_uri()])
        assert editor.diagnostics[(story / "story.yaml").as_uri()] == []

    run_editor(story, scenario)


def test_ranges_count_utf16_units_on_lines_with_emoji(story):
    """An editor counts columns in UTF-16 units: an emoji before a mistake
    is two of them, an em-dash one."""
    bank = story / "bank.yaml"
    line = '      - {label: "Run 🏃 — now", goto: nowhere}'
    text = bank.read_text().replace("    choices:\n", f"    choices:\n{line}\n", 1)

    async def scenario(editor: Editor):
        uri = editor.open(bank, text)
        await editor.settle(lambda: any("nowhere" in d.message for d in editor.diagnostics.get(uri, [])))
        [problem] = [d for d in editor.diagnostics[uri] if "nowhere" in d.message]
        units = len(line[:line.index("nowhere")].encode("utf-16-le")) // 2
        assert (problem.range.start.character, problem.range.end.character) == (units, units + 7)

    run_editor(story, scenario)


def test_a_burst_of_typing_ends_with_the_diagnostics_of_the_last_text(story):
    bank = story / "bank.yaml"
    original = bank.read_text()

    async def scenario(editor: Editor):
        uri = await editor.opened(bank)
        for i in range(12):  # faster than a check: the ones overtaken are dropped
            editor.type(uri, original.replace("goto: caught", f"goto: caught{i}", 1))
        await editor.settle(lambda: any("caught11" in d.message for d in editor.diagnostics.get(uri, [])))
        await asyncio.sleep(0.5)  # nothing older arrives after it
        assert [d.message for d in editor.diagnostics[uri] if "unknown scene" in d.message] == \
            [m for m in [d.message for d in editor.diagnostics[uri]] if "caught11" in m]

    run_editor(story, scenario)


def test_files_changed_on_disk_are_checked_again_and_a_story_gone_is_cleared(story):
    """A checkout breaks a file the editor never opened: the editor reports
    it (didChangeWatchedFiles) and its diagnostics arrive. Then story.yaml
    goes: nothing is left standing."""
    bank, manifest = story / "bank.yaml", story / "story.yaml"

    async def scenario(editor: Editor):
        await editor.settle(lambda: bank.as_uri() in editor.diagnostics)
        bank.write_text(bank.read_text().replace("goto: caught", "goto: cought", 1))
        editor.client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=bank.as_uri(), type=t.FileChangeType.Changed)]))
        await editor.settle(lambda: any("cought" in d.message for d in editor.diagnostics[bank.as_uri()]))
        manifest.unlink()
        editor.client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=manifest.as_uri(), type=t.FileChangeType.Deleted)]))
        await editor.settle(lambda: editor.diagnostics[bank.as_uri()] == [])

    run_editor(story, scenario)
