"""Recognising a person's name or handle in stored values, and what replaces it. Pure: no database.

Authors are matched case-insensitively (handles are) as whole words, so erasing ``@ani`` leaves ``@anita``
and ``Samarinda`` alone. A handle also appears without its ``@`` in the post's address
(``https://x.com/rahmat_smd/status/…``); that form is matched only after a ``/``, where it is an account path
and not an ordinary word.

Pseudonyms are keyed (HMAC-SHA256 with the service's secret) and stable: the same author, whatever the case
of the handle, always gets the same pseudonym, so analyses still group a person's posts, while nobody without
the secret can recompute who it was. The ``anon:`` prefix is how the retention job recognises its own work.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[dihapus]"
PSEUDONYM_PREFIX = "anon:"
_PSEUDONYM = re.compile(r"^anon:[0-9a-f]{16}$")
# A field holding nothing but the person (the author itself) is emptied or replaced whole, not edited.
AUTHOR_FIELDS = frozenset({"author"})


def normalise(name: str) -> str:
    """The form two spellings of one author share: Unicode-compatible, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _keyed(secret: str, purpose: str, name: str) -> str:
    message = f"sigap/{purpose}\x00{normalise(name)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def pseudonym(secret: str, author: str) -> str:
    """``anon:`` and 16 hex digits, the same for every spelling of the author."""
    return PSEUDONYM_PREFIX + _keyed(secret, "pseudonym", author)[:16]


def digest(secret: str, author: str) -> str:
    """What the audit trail keeps of a person: an administrator holding the name can check it, no one else."""
    return "hmac-sha256:" + _keyed(secret, "audit", author)


def is_pseudonym(value: str | None) -> bool:
    return value is not None and _PSEUDONYM.match(value) is not None


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Rule:
    """Names to find (normalised) and what each becomes in text and in an author field."""

    in_text: Mapping[str, str]
    in_author_field: Mapping[str, str | None]
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = sorted({n for n in self.in_text if n}, key=len, reverse=True)
        paths = sorted({_bare(n) for n in names if _bare(n)}, key=len, reverse=True)
        parts = []
        if names:
            parts.append(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")
        if paths:
            parts.append(r"(?<=/)(?P<path>" + "|".join(map(re.escape, paths)) + r")(?!\w)")
        pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        object.__setattr__(self, "_pattern", pattern)

    def like_patterns(self) -> list[str]:
        """Lower-case SQL LIKE patterns (escape ``\\``) that every value holding one of the names matches.

        JSON columns on SQLite keep non-ASCII as ``\\u`` escapes, so that spelling is looked for too.
        """
        found: set[str] = set()
        for name in self.in_text:
            for spelling in (name, json.dumps(name)[1:-1]):
                found.add(f"%{like_escape(spelling.lower())}%")
            if bare := _bare(name):
                found.add(f"%/{like_escape(bare.lower())}%")
        for name in self.in_author_field:  # stored documents' "author" keys, however short the name
            for separator in (":", ": "):
                key = '"author"' + separator + json.dumps(name)
                found.add(f"%{like_escape(key.lower())}%")
        return sorted(found)

    def author_names(self) -> list[str]:
        return sorted(self.in_author_field)

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(self._replace, value)

    def _replace(self, match: re.Match[str]) -> str:
        matched = normalise(match.group(0))
        if match.groupdict().get("path"):
            matched = "@" + matched
        return self.in_text.get(matched, match.group(0))

    def author_field(self, value: str) -> tuple[bool, str | None]:
        """Whether ``value`` is one of the people, and what it becomes."""
        key = normalise(value)
        if key in self.in_author_field:
            return True, self.in_author_field[key]
        return False, value

    def value(self, value: Any, *, name: str | None = None) -> Any:
        """``value`` with every name replaced: a string, or JSON (objects' keys too)."""
        if isinstance(value, str):
            if name in AUTHOR_FIELDS:
                whole, replaced = self.author_field(value)
                if whole:
                    return replaced
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v, name=str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def stored_text(self, value: str, *, name: str | None = None) -> str | None:
        """A text column: JSON documents (stored answers, webhook bodies) are edited as JSON, so an
        ``author`` inside becomes null as in the table, and the result is still valid JSON."""
        stripped = value.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                document = json.loads(value)
            except ValueError:
                pass
            else:
                changed = self.value(document)
                if changed == document:
                    return value
                return json.dumps(changed, ensure_ascii=False, separators=(",", ":"))
        result = self.value(value, name=name)
        return result if result is None or isinstance(result, str) else str(result)


def findable(name: str) -> bool:
    """Whether a name is distinctive enough to look for in free text and stored documents: a stray author such
    as ``08`` or ``a`` would otherwise rewrite timestamps and ordinary words everywhere."""
    return len(name) >= 3 and any(c.isalpha() for c in name)


def unmistakable(name: str) -> bool:
    """What the unattended retention job looks for in text: handles and full names. A one-word byline such as
    ``Redaksi`` or ``Admin`` is an ordinary word there; only the author field itself is pseudonymised."""
    return findable(name) and (name.startswith("@") or len(name.split()) >= 2)


def _bare(name: str) -> str:
    return name[1:] if name.startswith("@") and len(name) > 2 else ""


def erasure_rule(author: str, secret: str) -> Rule:
    """The person disappears: the author field is emptied, every other copy becomes ``[dihapus]``. Their
    pseudonym (if the retention job already ran) counts as them too."""
    names = [normalise(author), pseudonym(secret, author)]
    return Rule(
        in_text=dict.fromkeys([n for n in names if findable(n)], REDACTED),
        in_author_field=dict.fromkeys(names, None),
    )


def pseudonymisation_rule(authors: Iterable[str], secret: str) -> Rule:
    mapping = {normalise(a): pseudonym(secret, a) for a in authors if normalise(a)}
    return Rule(in_text={n: p for n, p in mapping.items() if unmistakable(n)}, in_author_field=mapping)
