"""Per-layout knowledge read from data files (schemas/*.toml), not code branches."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.normalise import fold_name


@dataclass(frozen=True)
class ServiceArea:
    directorate: str
    name: str


@dataclass(frozen=True)
class AreaCatalogue:
    """Canonical directorates and areas, keyed by folded printed names."""

    directorates: dict[str, str]
    areas: dict[str, ServiceArea]
    qualified_areas: dict[str, ServiceArea]

    def directorate(self, printed: str) -> str | None:
        return self.directorates.get(fold_name(printed))

    def split_directorate(self, printed: str) -> tuple[str | None, str]:
        """'Adults – Adult Social Care' -> ('Adults', 'Adult Social Care'): a known directorate
        printed before a name (any dash or none), and the rest as printed."""
        text = " ".join(printed.split())
        words = text.split(" ")
        for cut in range(len(words) - 1, 0, -1):
            head, rest = " ".join(words[:cut]), " ".join(words[cut:])
            directorate = self.directorates.get(fold_name(head))
            if directorate is not None and fold_name(rest):
                return directorate, rest.strip(" –—-")
        return None, text

    def with_areas(self, new_areas: list[ServiceArea]) -> AreaCatalogue:
        """This catalogue and areas a report introduces (printed in its Top Ten and as a
        dashboard heading, unknown to schemas/areas.toml)."""
        areas = dict(self.areas)
        qualified = dict(self.qualified_areas)
        for area in new_areas:
            areas[fold_name(area.name)] = area
            for d_printed, d_name in self.directorates.items():
                if d_name == area.directorate:
                    qualified[fold_name(f"{d_printed} {area.name}")] = area
        return AreaCatalogue(self.directorates, areas, qualified)

    def resolve(self, printed: str) -> tuple[ServiceArea | None, str | None]:
        """A printed name -> (its service area, the canonical directorate printed with it).

        'Housing – Repairs', 'Repairs' and, after a reorganisation, 'Place – Council Tax' all
        resolve to their area; the directorate is the one *printed* (None if none was), so a
        caller can record where it differs from the catalogue's.
        """
        folded = fold_name(printed)
        if folded in self.areas:
            return self.areas[folded], None
        if folded in self.qualified_areas:
            area = self.qualified_areas[folded]
            return area, area.directorate
        for alias in sorted(self.areas, key=len, reverse=True):
            if folded.endswith(" " + alias):
                prefix = folded[: -len(alias) - 1].strip()
                directorate = self.directorates.get(prefix)
                if directorate is not None:
                    return self.areas[alias], directorate
        return None, None

    def area(self, printed: str, directorate: str | None = None) -> ServiceArea | None:
        folded = fold_name(printed)
        if folded in self.qualified_areas:
            return self.qualified_areas[folded]
        found = self.areas.get(folded)
        if found and (directorate is None or found.directorate == directorate):
            return found
        return None


@dataclass(frozen=True)
class HeaderVocabulary:
    stage_patterns: tuple[re.Pattern[str], ...]
    measures: tuple[tuple[str, tuple[str, ...]], ...]
    canonical_columns: tuple[tuple[int, str], ...]
    tables: dict[str, tuple[str, ...]]
    title_patterns: tuple[re.Pattern[str], ...]
    dashboard_heading: tuple[re.Pattern[str], ...]


VOCABULARY_ENV = "COMPLAINTS_VOCABULARY"


def _merge(base: Any, extra: Any) -> Any:
    """Extend the shipped vocabulary: tables merge, lists extend, [[entries]] merge by name."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        if all(isinstance(e, dict) and "name" in e for e in base + extra):
            by_name = {_entry_key(e): dict(e) for e in base}
            for entry in extra:
                key = _entry_key(entry)
                by_name[key] = _merge(by_name[key], entry) if key in by_name else entry
            return list(by_name.values())
        return base + [e for e in extra if e not in base]
    return extra


def _entry_key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return entry.get("council"), entry.get("directorate"), entry["name"]


def _read_toml(name: str) -> dict[str, Any]:
    """A shipped data file, extended by the same-named file in $COMPLAINTS_VOCABULARY if set."""
    data = tomllib.loads(resources.files("schemas").joinpath(name).read_text(encoding="utf-8"))
    folder = os.environ.get(VOCABULARY_ENV)
    if folder and (Path(folder) / name).is_file():
        extra = tomllib.loads((Path(folder) / name).read_text(encoding="utf-8"))
        data = _merge(data, extra)
    return data


def reload_vocabulary() -> None:
    """Forget cached data files (after $COMPLAINTS_VOCABULARY changes)."""
    area_catalogue.cache_clear()
    header_vocabulary.cache_clear()
    _vocabulary_files.cache_clear()


def _own_aliases(data: dict[str, Any], council: str | None) -> tuple[int, ...]:
    """Which `[[council_alias]]` entries (their positions) are this council's."""
    return tuple(k for k, e in enumerate(data.get("council_alias", []))
                 if council and fold_name(e["council"]) == fold_name(council))


def _council_areas(data: dict[str, Any], council: str | None,
                   own_aliases: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The shared catalogue plus the `[[council_alias]]` entries of this council only: an
    entry with a `directorate` adds printed names to that area, one without to a directorate."""
    if own_aliases is None:
        own_aliases = _own_aliases(data, council)
    own = [data["council_alias"][k] for k in own_aliases]
    directorates = [dict(e) for e in data["directorate"]]
    areas = [dict(e) for e in data["area"]]
    for alias in own:
        for entry in areas if "directorate" in alias else directorates:
            if entry["name"] == alias["name"] and entry.get("directorate") == \
                    alias.get("directorate"):
                entry["aliases"] = [*entry.get("aliases", []), *alias["aliases"]]
    return {"directorate": directorates, "area": areas, "council_alias": own}


def vocabulary_fingerprint(council: str | None) -> str:
    """A digest of the vocabulary in effect for this council's reports (shared headers and
    areas, its own aliases, the overlay): it changes exactly when re-reading could differ."""
    stamp = _vocabulary_stamp()
    _, areas = _vocabulary_files(stamp)
    return _vocabulary_digest(stamp, _own_aliases(areas, council))


@lru_cache(maxsize=64)
def _vocabulary_digest(stamp: tuple[Any, ...], own_aliases: tuple[int, ...]) -> str:
    """The digest for one vocabulary version and one set of council aliases: councils with
    none of their own (most) share it, and a run over hundreds of councils' reports works it
    out once, not once per council (a few ms each)."""
    headers, areas = _vocabulary_files(stamp)
    effective = {"headers": headers, "areas": _council_areas(areas, None, own_aliases)}
    text = json.dumps(effective, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _stamp(path: Any) -> tuple[int, int] | None:
    try:
        found = Path(path).stat()
    except (OSError, TypeError):
        return None
    return found.st_mtime_ns, found.st_size


def _vocabulary_stamp() -> tuple[Any, ...]:
    """Which versions of the vocabulary files are in effect (overlay folder, each file's
    modification time and size)."""
    folder = os.environ.get(VOCABULARY_ENV)
    names = ("headers.toml", "areas.toml")
    return (folder, *(_stamp(resources.files("schemas").joinpath(n)) for n in names),
            *(_stamp(Path(folder) / n) if folder else None for n in names))


@lru_cache(maxsize=4)
def _vocabulary_files(stamp: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """headers.toml and areas.toml as `stamp` found them, parsed once: a run asks for every
    council's fingerprint (read only: `_council_areas` copies what it changes)."""
    return _read_toml("headers.toml"), _read_toml("areas.toml")


@lru_cache(maxsize=16)
def area_catalogue(council: str | None = None) -> AreaCatalogue:
    """Canonical names, with the printed names of `council`'s reports where it has its own."""
    data = _council_areas(_read_toml("areas.toml"), council)
    directorates: dict[str, str] = {}
    for entry in data["directorate"]:
        for printed in [entry["name"], *entry.get("aliases", [])]:
            directorates[fold_name(printed)] = entry["name"]
    areas: dict[str, ServiceArea] = {}
    qualified: dict[str, ServiceArea] = {}
    for entry in data["area"]:
        area = ServiceArea(entry["directorate"], entry["name"])
        for printed in [entry["name"], *entry.get("aliases", [])]:
            areas[fold_name(printed)] = area
            for d_printed, d_name in directorates.items():
                if d_name == area.directorate:
                    qualified[fold_name(f"{d_printed} {printed}")] = area
    return AreaCatalogue(directorates, areas, qualified)


@lru_cache(maxsize=1)
def header_vocabulary() -> HeaderVocabulary:
    data = _read_toml("headers.toml")
    flags = re.IGNORECASE
    return HeaderVocabulary(
        stage_patterns=tuple(re.compile(p, flags) for p in data["stage"]["patterns"]),
        measures=tuple((m["name"], tuple(p.lower() for p in m["phrases"]))
                       for m in data["measure"]),
        canonical_columns=tuple((int(s), str(m)) for s, m in data["canonical_columns"]["order"]),
        tables={k: tuple(v) for k, v in data["tables"].items()},
        title_patterns=tuple(re.compile(p, flags) for p in data["report"]["title_patterns"]),
        dashboard_heading=tuple(re.compile(p, flags) for p in data["report"]["dashboard_heading"]),
    )
