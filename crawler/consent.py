"""Decide whether a toggleable control asks for consent, and for which purposes.

The phrases live in ``crawler/lexicon/<language>.yaml``; this module only loads,
validates and matches them. Text and phrases are compared after NFKC,
casefolding and whitespace collapsing. Phrases in space-separated scripts match
whole words (a ``*`` at either end of a phrase lifts that side's boundary);
Chinese, Japanese and Korean phrases match as substrings. Rules, in order:

1. Phrases are found in the label; the nearby text is read only when the label
   matches nothing at all (label-less checkboxes).
2. Where one match lies inside a longer one, only the longer counts, so
   "strictly necessary cookies" is not also read as "cookies".
3. Any purpose phrase makes the control a consent control, even next to a
   not-consent phrase: "Keep me signed in and send me offers" still asks for
   marketing. A not-consent phrase only outweighs the generic consent verbs,
   so "Allow notifications about my order" is not consent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: same result, several times slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

PURPOSE_IDS = (
    "terms",
    "sharing",
    "marketing",
    "personalised-ads",
    "analytics",
    "credit",
    "location",
    "contact",
)
GENERIC = "consent"
NOT_CONSENT = "not_consent"
REFUSAL = "refusal"
CATEGORIES = frozenset((*PURPOSE_IDS, GENERIC, NOT_CONSENT, REFUSAL))

REQUIRED_PURPOSES = frozenset({"terms"})
OPTIONAL_PURPOSES = frozenset(
    {"sharing", "marketing", "personalised-ads", "credit", "location", "analytics", "contact"}
)

_FILE_KEYS = frozenset({"language", "name", "purposes", "not_consent", "refusal", "buttons"})


class Intent(StrEnum):
    """What a pressed button says it does, read from its accessible name."""

    ACCEPT_ALL = "accept-all"
    REJECT_ALL = "reject-all"
    SAVE = "save"
    CLOSE = "close"
    OTHER = "other"


# Lexicon file keys under `buttons:`; their phrases are matched like consent phrases, in a table of their own.
BUTTON_INTENTS = {
    "accept_all": Intent.ACCEPT_ALL,
    "reject_all": Intent.REJECT_ALL,
    "save": Intent.SAVE,
    "close": Intent.CLOSE,
}
_BUTTON = "button:"
_PURPOSE_KEYS = frozenset((*PURPOSE_IDS, GENERIC))
# Scenario phrases carry no language of their own.
_NO_LANGUAGE = ""

# Scripts written without spaces between words: phrases in them match anywhere.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\U00020000-\U0003134f"
)
_WORD_CHAR = f"[^\\W{_CJK}]"
_WORD_CHAR_RE = re.compile(_WORD_CHAR)
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
# Korean spacing and CJK line wrapping vary, so a space after a CJK character is optional.
_SPACE_AFTER_CJK_RE = re.compile(f"(?<=[{_CJK}]) ")
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "`": "'",
        # "e-mail", "e mail" and "e\u2011mail" must meet as one phrase.
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2012": " ",
        "\u2013": " ",
        "\u2014": " ",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)


class LexiconError(ValueError):
    """A lexicon file or a scenario's extra phrases are malformed."""


@dataclass(frozen=True)
class Classification:
    consent: bool
    purposes: tuple[str, ...]
    matched: tuple[str, ...]
    languages: tuple[str, ...]
    refusal: bool = False
    """The label opens with a refusal ("No", "Disagree", "不同意"): ticking it withholds consent."""
    source: str = ""
    """Whose words decided: label, description, nearby_text or context ("" when nothing matched)."""


def normalise(text: str) -> str:
    """NFKC, casefold, one spelling for quotes and hyphens, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_PUNCTUATION)
    return " ".join(folded.split())


def bundled_purposes(purposes: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The required agreements and the optional purposes among `purposes`; both non-empty means bundled."""
    found = frozenset(purposes)
    return found & REQUIRED_PURPOSES, found & OPTIONAL_PURPOSES


def is_bundled(c: Classification) -> bool:
    """A required agreement and an optional purpose share one control."""
    required, optional = bundled_purposes(c.purposes)
    return c.consent and bool(required) and bool(optional)


@dataclass(frozen=True)
class _Entry:
    category: str
    language: str
    phrase: str
    bounded_right: bool


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    entries: tuple[_Entry, ...]
    text_before: str = ""


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    is_end: bool = False


def _match_key(text: str) -> str:
    return _SPACE_AFTER_CJK_RE.sub("", text)


def _char_pattern(char: str) -> str:
    escaped = re.escape(char)
    return escaped + " ?" if _CJK_CHAR_RE.match(char) else escaped


def _emit(node: _Node) -> str:
    # Longer continuations come before the phrase end, so each position yields its longest phrase.
    branches = [_char_pattern(c) + _emit(child) for c, child in sorted(node.children.items())]
    if node.is_end:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


class _Table:
    """One trie-shaped regex over many phrases, finding the longest phrase at every position.

    The right word boundary is checked here in Python rather than in the regex:
    a boundary class repeated after every phrase end makes compiling take seconds.
    """

    def __init__(self, entries: Mapping[str, Sequence[_Entry]], *, bounded_left: bool) -> None:
        root = _Node()
        for key in entries:
            node = root
            for char in key:
                node = node.children.setdefault(char, _Node())
            node.is_end = True
        prefix = f"(?<!{_WORD_CHAR})" if bounded_left else ""
        # The lookahead makes matches zero-width, so overlapping phrases are all found.
        self._pattern = re.compile(f"{prefix}(?=({_emit(root)}))")
        self._entries = MappingProxyType({k: tuple(v) for k, v in entries.items()})

    def hits(self, text: str) -> Iterable[_Hit]:
        for match in self._pattern.finditer(text):
            hit = self._longest_bounded(text, match.start(1), match.group(1))
            if hit is not None:
                yield hit

    def _longest_bounded(self, text: str, start: int, found: str) -> _Hit | None:
        # The longest phrase here may end inside a word ("terms and condition" in
        # "conditions") while a shorter one at the same start still fits.
        for length in range(len(found), 0, -1):
            candidate = found[:length].rstrip()
            key_entries = self._entries.get(_match_key(candidate), ())
            end = start + len(candidate)
            at_boundary = not _WORD_CHAR_RE.match(text, end)
            entries = tuple(e for e in key_entries if at_boundary or not e.bounded_right)
            if entries:
                return _Hit(start, end, entries, text[max(0, start - 3) : start])
        return None


def _opens_clause(hit: _Hit) -> bool:
    """Only a refusal that opens the label, or a clause of it ("Cookies: Deny all"), makes an option a
    refusal: "Yes please. No spam, ever." is not one."""
    return hit.start == 0 or hit.text_before.rstrip()[-1:] in _CLAUSE_MARKS


# Dashes are not here: normalisation has made them spaces.
_CLAUSE_MARKS = frozenset(":|/·•>")


def _longest_only(hits: list[_Hit]) -> list[_Hit]:
    def inside_longer(hit: _Hit) -> bool:
        return any(
            o.start <= hit.start and hit.end <= o.end and o.end - o.start > hit.end - hit.start for o in hits
        )

    return sorted((h for h in hits if not inside_longer(h)), key=lambda h: (h.start, h.end))


def _best_languages(hits: Sequence[_Hit]) -> tuple[str, ...]:
    # Shared words ("marketing", "partner", "同意") sit in several lexicons; the language
    # that explains the most matches is the label's language.
    counts: dict[str, int] = {}
    for hit in hits:
        for language in {e.language for e in hit.entries} - {_NO_LANGUAGE}:
            counts[language] = counts.get(language, 0) + 1
    best = max(counts.values(), default=0)
    return tuple(sorted(language for language, n in counts.items() if n == best))


def _parse_phrase(raw: object, where: str) -> tuple[str, bool, bool, str]:
    """Return the match key, left and right boundary needs, and the display form.

    A leading or trailing ``*`` lifts the word boundary on that side, for
    inflections (``einwillig*``) and compounds (``*bedingungen``).
    """
    if not isinstance(raw, str):
        raise LexiconError(f"{where}: phrase {raw!r} is not a string (quote it in YAML)")
    text = normalise(raw)
    core = text.strip("*").strip()
    if not core or "*" in core:
        raise LexiconError(f"{where}: phrase {raw!r} is empty or has '*' inside it")
    left = not text.startswith("*") and bool(_WORD_CHAR_RE.match(core[0]))
    right = not text.endswith("*") and bool(_WORD_CHAR_RE.match(core[-1]))
    return _match_key(core), left, right, raw.strip().strip("*").strip()


@dataclass(frozen=True)
class _Phrase:
    key: str
    bounded_left: bool
    entry: _Entry


def _phrases(category: str, language: str, raws: object, where: str, *, unique: bool) -> list[_Phrase]:
    if isinstance(raws, str) or not isinstance(raws, Sequence):
        raise LexiconError(f"{where}: expected a list of phrases, got {type(raws).__name__}")
    result: list[_Phrase] = []
    seen: set[str] = set()
    for raw in raws:
        key, left, right, display = _parse_phrase(raw, where)
        if unique and key in seen:
            raise LexiconError(f"{where}: phrase {raw!r} is listed twice")
        seen.add(key)
        result.append(_Phrase(key, left, _Entry(category, language, display, right)))
    return result


def _parse_file(name: str, data: object) -> tuple[str, list[_Phrase]]:
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: expected a mapping at the top level")
    unknown = set(data) - _FILE_KEYS
    missing = {"language", "name", "purposes"} - set(data)
    if unknown or missing:
        raise LexiconError(f"{name}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    language = data["language"]
    if f"{language}.yaml" != name:
        raise LexiconError(f"{name}: language {language!r} does not match the file name")
    if not isinstance(data["name"], str) or not data["name"].strip():
        raise LexiconError(f"{name}: 'name' must be a non-empty string")
    purposes = data["purposes"]
    if not isinstance(purposes, dict):
        raise LexiconError(f"{name}: 'purposes' must map purpose ids to phrase lists")
    unknown = set(purposes) - _PURPOSE_KEYS
    if unknown:
        raise LexiconError(f"{name}: unknown purpose ids {sorted(unknown)}")
    phrases: list[_Phrase] = []
    for category, raws in purposes.items():
        phrases += _phrases(category, language, raws, f"{name}: {category}", unique=True)
    not_consent = _phrases(
        NOT_CONSENT, language, data.get(NOT_CONSENT, []), f"{name}: {NOT_CONSENT}", unique=True
    )
    clashes = {p.key for p in phrases} & {p.key for p in not_consent}
    if clashes:
        raise LexiconError(f"{name}: phrases both consent and not consent: {sorted(clashes)}")
    refusal = _phrases(REFUSAL, language, data.get(REFUSAL, []), f"{name}: {REFUSAL}", unique=True)
    buttons = _button_phrases(name, language, data.get("buttons", {}))
    return language, phrases + not_consent + refusal + buttons


def _button_phrases(name: str, language: str, buttons: object) -> list[_Phrase]:
    if not isinstance(buttons, dict):
        raise LexiconError(f"{name}: 'buttons' must map {', '.join(BUTTON_INTENTS)} to phrase lists")
    unknown = set(buttons) - set(BUTTON_INTENTS)
    if unknown:
        allowed = ", ".join(BUTTON_INTENTS)
        raise LexiconError(f"{name}: unknown button intents {sorted(unknown)}; use {allowed}")
    phrases: list[_Phrase] = []
    for key, raws in buttons.items():
        category = _BUTTON + BUTTON_INTENTS[key]
        phrases += _phrases(category, language, raws, f"{name}: buttons: {key}", unique=True)
    return phrases


class _StrictLoader(_SafeLoader):
    """SafeLoader that refuses a mapping key given twice, which would silently drop a list."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        if duplicates:
            raise LexiconError(f"duplicate keys {duplicates} {node.start_mark}")
        return super().construct_mapping(node, deep=deep)


@cache
def _read_files() -> tuple[tuple[str, tuple[_Phrase, ...]], ...]:
    """Parsed once per process: a scenario with its own words reuses them instead of re-reading 11 files."""
    folder = resources.files("crawler").joinpath("lexicon")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    if not files:
        raise LexiconError("no lexicon files found in crawler/lexicon")
    parsed = []
    for file in files:
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=_StrictLoader)
        except (yaml.YAMLError, LexiconError) as error:
            raise LexiconError(f"{file.name}: {error}") from error
        language, phrases = _parse_file(file.name, data)
        parsed.append((language, tuple(phrases)))
    return tuple(parsed)


@dataclass(frozen=True)
class Lexicon:
    """All languages' phrases compiled into two regexes; immutable once loaded."""

    languages: tuple[str, ...]
    _tables: tuple[_Table, ...] = field(repr=False)
    _button_tables: tuple[_Table, ...] = field(repr=False, default=())

    @classmethod
    def load(cls, extra: Mapping[str, Sequence[str]] | None = None) -> Lexicon:
        """Read every lexicon file, plus a scenario's own phrases keyed by category."""
        files = _read_files()
        phrases = [p for _, file_phrases in files for p in file_phrases]
        for category, raws in (extra or {}).items():
            if category not in CATEGORIES:
                raise LexiconError(f"extra: unknown category {category!r}")
            phrases += _phrases(category, _NO_LANGUAGE, raws, f"extra: {category}", unique=False)
        buttons = [p for p in phrases if p.entry.category.startswith(_BUTTON)]
        consent = [p for p in phrases if not p.entry.category.startswith(_BUTTON)]
        return cls(tuple(language for language, _ in files), _tables_of(consent), _tables_of(buttons))

    def intent(self, name: str) -> Intent:
        """What a button called `name` says it does ("Accept all", "全部同意", "Save my choices")."""
        normalised = normalise(name)
        hits = _longest_only([hit for table in self._button_tables for hit in table.hits(normalised)])
        if not hits:
            return Intent.OTHER
        # The phrase that covers most of the name decides: "Accept selected" is a save, not an accept.
        best = max(hits, key=lambda h: (h.end - h.start, -h.start))
        return Intent(best.entries[0].category.removeprefix(_BUTTON))

    def classify(
        self,
        label: str,
        nearby_text: str = "",
        context: str = "",
        *,
        description: str = "",
        locked_on: bool = False,
    ) -> Classification:
        """Whether a control asks for consent, and for what.

        Its own words decide first (its label, else its description, else the words next to it); a control
        whose own words say nothing either way takes the question of the dialog or group around it ("We use
        cookies": a bare "Livechat" switch). A refusal ("Disagree") withholds consent rather than asking
        for it, and a control that is on and cannot be switched off ("Session cookie", greyed out) asks
        nothing unless its own words name a purpose: a locked marketing box is still a consent question.
        """
        return _classify(self, label, nearby_text, context, description, locked_on)

    def _classify(
        self, label: str, nearby_text: str, context: str, description: str, locked_on: bool
    ) -> Classification:
        for source, text in (("label", label), ("description", description), ("nearby_text", nearby_text)):
            hits = self._hits(text)
            if hits:
                return self._from_own_words(hits, source, locked_on)
        if context and not locked_on:
            return self._from_context(self._hits(context))
        return Classification(consent=False, purposes=(), matched=(), languages=())

    def _from_own_words(self, hits: list[_Hit], source: str, locked_on: bool) -> Classification:
        entries = [e for hit in hits for e in hit.entries]
        categories = {e.category for e in entries}
        refusal = any(_opens_clause(h) and any(e.category == REFUSAL for e in h.entries) for h in hits)
        purposes = tuple(sorted(categories & set(PURPOSE_IDS)))
        asks = bool(purposes) or (GENERIC in categories and NOT_CONSENT not in categories and not locked_on)
        return Classification(
            consent=asks and not refusal,
            purposes=purposes,
            matched=tuple(dict.fromkeys(e.phrase for e in entries)),
            languages=_best_languages(hits),
            refusal=refusal,
            source=source,
        )

    def _from_context(self, hits: list[_Hit]) -> Classification:
        categories = {e.category for hit in hits for e in hit.entries}
        asks = bool(categories & (set(PURPOSE_IDS) | {GENERIC}))
        return Classification(
            consent=asks,
            purposes=(),
            matched=tuple(dict.fromkeys(e.phrase for hit in hits for e in hit.entries)) if asks else (),
            languages=_best_languages(hits) if asks else (),
            source="context" if asks else "",
        )

    def _hits(self, text: str) -> list[_Hit]:
        normalised = normalise(text)
        if not normalised:
            return []
        return _longest_only([hit for table in self._tables for hit in table.hits(normalised)])


def _tables_of(phrases: Sequence[_Phrase]) -> tuple[_Table, ...]:
    by_side: dict[bool, dict[str, list[_Entry]]] = {True: {}, False: {}}
    for phrase in phrases:
        by_side[phrase.bounded_left].setdefault(phrase.key, []).append(phrase.entry)
    return tuple(_Table(entries, bounded_left=side) for side, entries in by_side.items() if entries)


# A crawl sees the same labels at every step and every night: each distinct one is matched once.
@lru_cache(maxsize=1 << 16)
def _classify(
    lexicon: Lexicon, label: str, nearby_text: str, context: str, description: str, locked_on: bool
) -> Classification:
    return lexicon._classify(label, nearby_text, context, description, locked_on)


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.load()
