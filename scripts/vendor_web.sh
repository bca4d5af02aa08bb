#!/usr/bin/env bash
# Vendor the map library (Leaflet, from the npm registry) into the package so `pip install` brings it.
set -euo pipefail
VERSION="${LEAFLET_VERSION:-1.9.4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/airwarn/web/static/vendor/leaflet"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "leaflet@$VERSION" --silent >/dev/null && tar -xzf leaflet-*.tgz)
rm -rf "$DEST"
mkdir -p "$DEST/images"
cp "$TMP/package/dist/leaflet.js" "$TMP/package/dist/leaflet.css" "$DEST/"
cp "$TMP/package/dist/images/"*.png "$DEST/images/"
cp "$TMP/package/LICENSE" "$DEST/LICENSE"
echo "leaflet $VERSION" > "$DEST/VERSION"
echo "vendored leaflet $VERSION into $DEST"
