"""Read a knowledge folder, validate every file and the links between them.

Every problem is collected (not just the first), each with file and line, so staff can fix a whole
batch of edits in one round. The rules themselves live in `bot.knowledge.validate` and are shared
with spreadsheet uploads and the workspace's forms. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.model import Knowledge
from bot.knowledge.problems import Place, Problem
from bot.knowledge.validate import RawDirectory, check_directory
from bot.knowledge.yaml_source import YamlDocument, YamlSyntaxError, load_yaml

# knowledge file → the part of the directory it holds
PART_FILES = {
    "topics": "topics.yaml",
    "regions": "regions.yaml",
    "intents": "intents.yaml",
    "handoff": "handoff.yaml",
    "exemplars": "exemplars.yaml",
    "danger": "danger.yaml",
}
OPTIONAL_PARTS = ("handoff", "exemplars", "danger")


@dataclass
class LoadResult:
    """The loaded knowledge (None when any error was found) and every problem seen."""

    root: Path
    knowledge: Knowledge | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def report(self) -> list[str]:
        return [p.render(self.root) for p in self.problems]


@dataclass
class FolderSource:
    """The raw data of a knowledge folder and where each value stood."""

    root: Path
    raw: RawDirectory
    documents: dict[str, YamlDocument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def locate(self, part: str, path: Sequence[str | int]) -> Place:
        doc = self.documents.get(part)
        dotted = ".".join(str(p) for p in path)
        if doc is None:
            return Place(file=self.root, field=dotted)
        offer = part.removeprefix("offer:") if part.startswith("offer:") else None
        return Place(file=doc.path, line=doc.line_of(path), offer=offer, field=dotted)


def read_folder(root: Path) -> FolderSource:
    """Parse every file of the folder (syntax problems recorded, nothing validated yet)."""
    root = Path(root)
    source = FolderSource(root, RawDirectory())
    if not root.is_dir():
        source.problems.append(Problem("folder_missing", Place(file=root)))
        return source
    for part, name in PART_FILES.items():
        path = root / name
        if part in OPTIONAL_PARTS and not path.exists():
            continue
        doc = _read(source, path)
        if doc is not None:
            source.documents[part] = doc
            setattr(source.raw, part, doc.data)
    offer_files = sorted((root / "offers").glob("*.yaml")) if (root / "offers").is_dir() else []
    if not offer_files:
        source.problems.append(Problem("no_offers", Place(file=root / "offers")))
    for path in offer_files:
        doc = _read(source, path)
        if doc is not None:
            source.documents[f"offer:{path.stem}"] = doc
            source.raw.offers[path.stem] = doc.data
    return source


def _read(source: FolderSource, path: Path) -> YamlDocument | None:
    try:
        return load_yaml(path)
    except YamlSyntaxError as exc:
        source.problems.append(exc.problem)
        return None


def load_knowledge(root: Path) -> LoadResult:
    """Load and validate the whole knowledge folder at `root`."""
    source = read_folder(root)
    knowledge, problems = check_directory(
        source.raw, source.locate, problems=source.problems, file_names=True
    )
    return LoadResult(source.root, knowledge, problems)
