"""The territory at the edges: reading and writing it (GeoJSON, CSV; io, geojson_fields), its stored
versions (versions, writer) and the live switch a node makes when a new version is stored (live)."""
