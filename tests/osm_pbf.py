"""Write small .osm.pbf files with pyosmium for boundary tests: nodes, ways and boundary relations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

Point = tuple[float, float]  # lon, lat


@dataclass
class PbfBuilder:
    """Collects OSM objects; nodes are shared by coordinate so ways that meet share nodes, as in OSM."""

    nodes: dict[Point, int] = field(default_factory=dict)
    tagged_nodes: list[tuple[int, Point, dict[str, str]]] = field(default_factory=list)
    ways: dict[int, tuple[list[int], dict[str, str]]] = field(default_factory=dict)
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = field(default_factory=list)
    _next: int = 1

    def _id(self) -> int:
        self._next += 1
        return self._next

    def node(self, p: Point) -> int:
        key = (round(p[0], 7), round(p[1], 7))
        if key not in self.nodes:
            self.nodes[key] = self._id()
        return self.nodes[key]

    def way(self, points: list[Point], tags: dict[str, str] | None = None) -> int:
        wid = self._id()
        self.ways[wid] = ([self.node(p) for p in points], dict(tags or {}))
        return wid

    def ring_ways(self, ring: list[Point], pieces: int = 1) -> list[int]:
        """A closed ring (first point not repeated) as ``pieces`` ways that join end to end."""
        n = len(ring)
        cuts = [round(i * n / pieces) for i in range(pieces)] + [n]
        return [self.way([ring[j % n] for j in range(cuts[i], cuts[i + 1] + 1)]) for i in range(pieces)]

    def boundary(self, level: int, outer: list[list[int]], inner: list[list[int]] = (), **tags: str) -> int:  # type: ignore[assignment]
        rid = self._id()
        members = [("w", w, "outer") for ways in outer for w in ways] + [("w", w, "inner") for ways in inner for w in ways]
        all_tags = {"type": "boundary", "boundary": "administrative", "admin_level": str(level), **tags}
        self.relations.append((rid, members, all_tags))
        return rid

    def place(self, p: Point, **tags: str) -> int:
        nid = self._id()
        self.tagged_nodes.append((nid, p, tags))
        return nid

    def write(self, path: Path) -> Path:
        import osmium
        from osmium.osm.mutable import Node, Relation, Way

        if path.exists():
            path.unlink()
        writer = osmium.SimpleWriter(str(path))
        try:
            nodes = [(nid, p, {}) for p, nid in self.nodes.items()] + self.tagged_nodes
            for nid, p, tags in sorted(nodes):
                writer.add_node(Node(id=nid, location=p, version=1, tags=tags))
            for wid, (refs, tags) in sorted(self.ways.items()):
                writer.add_way(Way(id=wid, nodes=refs, version=1, tags=tags))
            for rid, members, tags in sorted(self.relations):
                writer.add_relation(Relation(id=rid, members=members, version=1, tags=tags))
        finally:
            writer.close()
        return path
