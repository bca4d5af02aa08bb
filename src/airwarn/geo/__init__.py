"""Geometry on real outlines: receiver-ready CAP areas and administrative boundaries from OpenStreetMap."""
