"""The JSON Schemas for editors, generated from the kind tables.

    python -m game.story.schema          # rewrite game/schema/*.schema.json
    python -m game.story.schema --check  # exit 1 if the committed files differ

The scene file's structure is written here; every condition, effect and text
block contributes its own fragment (`schema()` on each kind), so a new kind
reaches editors by regenerating. A test fails when the committed files differ
from what this module generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from game.core import conditions, effects, text

FOLDER = Path(__file__).resolve().parent.parent / "schema"
BASE = "https://dead-reckoning.invalid/schema/"

_FIXED_DEFS = {'name': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]{0,63}$'},
 'names': {'oneOf': [{'$ref': '#/$defs/name'}, {'type': 'array', 'items': {'$ref': '#/$defs/name'}}]},
 'text': {'type': ['string', 'number'], 'pattern': '\\S'},
 'optionalText': {'type': ['string', 'number']},
 'amount': {'type': 'integer', 'minimum': -1000000000, 'maximum': 1000000000},
 'scene': {'type': 'object',
           'additionalProperties': False,
           'required': ['title', 'text'],
           'properties': {'title': {'$ref': '#/$defs/text'},
                          'chapter': {'$ref': '#/$defs/optionalText'},
                          'location': {'$ref': '#/$defs/optionalText'},
                          'pov': {'$ref': '#/$defs/optionalText',
                                  'description': 'Whose scene this is, shown in the header.'},
                          'text': {'$ref': '#/$defs/blocks'},
                          'choices': {'type': 'array', 'items': {'$ref': '#/$defs/choice'}},
                          'fallback': {'$ref': '#/$defs/fallback'},
                          'ending': {'$ref': '#/$defs/ending'},
                          'checkpoint': {'type': 'boolean', 'description': 'Retry after a failure returns here.'},
                          'effects': {'$ref': '#/$defs/effects',
                                      'description': 'Applied each time the scene is entered.'}},
           'if': {'required': ['ending']},
           'then': {'not': {'anyOf': [{'required': ['choices']}, {'required': ['fallback']}]}}},
 'choice': {'type': 'object',
            'additionalProperties': False,
            'required': ['label', 'goto'],
            'properties': {'id': {'$ref': '#/$defs/name', 'description': 'Stable id for once-only bookkeeping.'},
                           'label': {'$ref': '#/$defs/text'},
                           'goto': {'$ref': '#/$defs/name'},
                           'if': {'$ref': '#/$defs/condition'},
                           'disabled': {'$ref': '#/$defs/text',
                                        'description': "Shown as the reason when 'if' fails; without it the choice "
                                                       'is hidden.'},
                           'effects': {'$ref': '#/$defs/effects'},
                           'once': {'type': 'boolean'}},
            'dependentRequired': {'disabled': ['if']}},
 'fallback': {'type': 'object',
              'additionalProperties': False,
              'required': ['goto'],
              'properties': {'label': {'$ref': '#/$defs/text'},
                             'goto': {'$ref': '#/$defs/name'},
                             'effects': {'$ref': '#/$defs/effects'}}},
 'ending': {'type': 'object',
            'additionalProperties': False,
            'required': ['kind', 'title'],
            'properties': {'kind': {'enum': ['victory', 'failure']}, 'title': {'$ref': '#/$defs/text'}}}}

_NAME_REF = {'$ref': '#/$defs/name'}
_COUNTERS = {'type': 'object', 'propertyNames': _NAME_REF,
             'additionalProperties': {'type': 'integer', 'minimum': -1000000000, 'maximum': 1000000000}}
_STATE = {'flags': {'$ref': '#/$defs/names'}, 'items': {'$ref': '#/$defs/names'}, 'counters': _COUNTERS}
_RENAMES = {'type': 'object', 'propertyNames': _NAME_REF, 'additionalProperties': _NAME_REF}

STORY = {'$schema': 'https://json-schema.org/draft/2020-12/schema',
 '$id': 'https://dead-reckoning.invalid/schema/story.schema.json',
 'title': 'Dead Reckoning story manifest (story.yaml)',
 'description': 'The manifest of a story folder. See docs/authoring.md.',
 'type': 'object',
 'additionalProperties': False,
 'required': ['id', 'title', 'version', 'start'],
 'properties': {'id': {'$ref': '#/$defs/name', 'description': 'Stable id of the story; saves are kept per id.'},
                'title': {'$ref': '#/$defs/text'},
                'version': {'$ref': '#/$defs/text'},
                'start': {'$ref': '#/$defs/name', 'description': 'Id of the first scene.'},
                'author': {'$ref': '#/$defs/text'},
                'description': {'$ref': '#/$defs/text'},
                'initial': {'type': 'object',
                            'additionalProperties': False,
                            'description': 'State at the start of a run.',
                            'properties': _STATE},
                'names': {'type': 'object',
                          'description': "Display names for items, flags and counters, shown by 'status'.",
                          'propertyNames': _NAME_REF,
                          'additionalProperties': {'$ref': '#/$defs/text'}},
                'saves': {'type': 'object',
                          'additionalProperties': False,
                          'description': 'How saves from earlier versions of this story load into this one.',
                          'properties': {'renamed': {'type': 'object',
                                                     'additionalProperties': False,
                                                     'description': 'Ids renamed since earlier versions: old: new.',
                                                     'properties': {kind: _RENAMES for kind in
                                                                    ('scenes', 'flags', 'items', 'counters')}},
                                         'defaults': {'type': 'object',
                                                      'additionalProperties': False,
                                                      'description': 'State that saves from earlier versions lack, '
                                                                     'added when they load.',
                                                      'properties': _STATE}}}},
 '$defs': {'name': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]{0,63}$'},
           'names': {'oneOf': [{'$ref': '#/$defs/name'}, {'type': 'array', 'items': {'$ref': '#/$defs/name'}}]},
           'text': {'type': ['string', 'number'], 'pattern': '\\S'}}}



def _format_2(defs: dict) -> None:
    """What story format 2 adds to scenes and choices."""
    tags = {"$ref": "#/$defs/tags"}
    defs["tags"] = {"oneOf": [{"type": "string"}, {"type": "array", "maxItems": 32, "items": {"type": "string"}}],
                    "description": "Free-form tags, passed to hosts in --json (music, pictures, achievements)."}
    outcome = {"type": "object", "additionalProperties": False, "properties": {
        "weight": {"type": "integer", "minimum": 1, "maximum": 1000000, "description": "How likely (default 1)."},
        "goto": {"$ref": "#/$defs/name", "description": "Where this outcome leads (default: the choice's goto)."},
        "effects": {"$ref": "#/$defs/effects"},
        "reply": {"$ref": "#/$defs/blocks", "description": "Shown when this outcome happens."}}}
    defs["outcomes"] = {"type": "array", "minItems": 1, "maxItems": 100, "items": outcome,
                        "description": "Weighted random outcomes, drawn from the run's seed."}
    entry = {**outcome, "properties": {k: v for k, v in outcome["properties"].items() if k != "goto"}}
    defs["entryOutcomes"] = {**defs["outcomes"], "items": entry}
    scene = defs["scene"] = json.loads(json.dumps(defs["scene"]))
    scene["properties"]["tags"] = tags
    scene["properties"]["outcomes"] = {"$ref": "#/$defs/entryOutcomes",
                                       "description": "Random effects each time the scene is entered."}
    choice = defs["choice"] = json.loads(json.dumps(defs["choice"]))
    choice["required"] = ["label"]
    choice["properties"].update({
        "reply": {"$ref": "#/$defs/blocks", "description": "Text shown right after the choice is taken. "
                  "Without a goto the choice stays: the reply, then the choices still on offer."},
        "outcomes": {"$ref": "#/$defs/outcomes"},
        "call": {"$ref": "#/$defs/name", "description": "Enter this subroutine scene; a 'return' comes back to "
                 "the goto (or to this scene)."},
        "return": {"const": True, "description": "Go back to where the subroutine was called from."},
        "tags": tags})
    fallback = defs["fallback"] = json.loads(json.dumps(defs["fallback"]))
    fallback["properties"].update({"reply": {"$ref": "#/$defs/blocks"}, "tags": tags})


def scenes_schema() -> dict:
    defs = dict(_FIXED_DEFS)
    _format_2(defs)
    defs["blocks"] = {"oneOf": [{"$ref": "#/$defs/block"}, {"type": "array", "items": {"$ref": "#/$defs/block"}}]}
    defs["block"] = {"oneOf": text.schema_blocks()}
    defs["effects"] = effects.schema()
    defs["condition"] = conditions.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + "scenes.schema.json",
        "title": "Dead Reckoning scene file",
        "description": "A file of scenes keyed by stable ids. See docs/authoring.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["scenes"],
        "properties": {
            "chapter": {"$ref": "#/$defs/optionalText", "description": "Default chapter for every scene in this file."},
            "location": {"$ref": "#/$defs/optionalText",
                         "description": "Default location for every scene in this file."},
            "pov": {"$ref": "#/$defs/optionalText", "description": "Default point-of-view character."},
            "scenes": {"type": "object", "propertyNames": {"$ref": "#/$defs/name"},
                       "additionalProperties": {"$ref": "#/$defs/scene"}},
        },
        "$defs": defs,
    }


def generated() -> dict[str, str]:
    """File name -> the text it should hold."""
    return {name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            for name, schema in (("story.schema.json", STORY), ("scenes.schema.json", scenes_schema()))}


def main(argv: list[str]) -> int:
    stale = [name for name, text_ in generated().items()
             if not (FOLDER / name).exists() or (FOLDER / name).read_text(encoding="utf-8") != text_]
    if "--check" in argv:
        for name in stale:
            print(f"{FOLDER / name} differs from the kinds; run: python -m game.story.schema", file=sys.stderr)
        return 1 if stale else 0
    for name, text_ in generated().items():
        (FOLDER / name).write_text(text_, encoding="utf-8")
    print(f"wrote {', '.join(generated())} in {FOLDER}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
