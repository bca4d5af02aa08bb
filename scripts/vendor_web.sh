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

# The API docs (/docs, /redoc) offline: Swagger UI and ReDoc from the npm registry, no CDN at run time.
SWAGGER="${SWAGGER_UI_VERSION:-5.35.0}"
REDOC="${REDOC_VERSION:-2.5.1}"
VENDOR="$ROOT/src/airwarn/web/static/vendor"
(cd "$TMP" && npm pack "swagger-ui-dist@$SWAGGER" "redoc@$REDOC" --silent >/dev/null \
  && mkdir s r && tar -xzf swagger-ui-dist-*.tgz -C s && tar -xzf redoc-*.tgz -C r)
rm -rf "$VENDOR/swagger-ui" "$VENDOR/redoc"
mkdir -p "$VENDOR/swagger-ui" "$VENDOR/redoc"
cp "$TMP"/s/package/{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE} "$VENDOR/swagger-ui/"
cp "$TMP/r/package/bundles/redoc.standalone.js" "$TMP/r/package/LICENSE" "$VENDOR/redoc/"
# ReDoc's footer logo is its only outside address: point it at our own icon so the docs fetch nothing else
sed -i 's|https://cdn.redoc.ly/redoc/logo-mini.svg|/static/img/icon.svg|' "$VENDOR/redoc/redoc.standalone.js"
echo "swagger-ui-dist $SWAGGER" > "$VENDOR/swagger-ui/VERSION"
echo "redoc $REDOC" > "$VENDOR/redoc/VERSION"
echo "vendored swagger-ui-dist $SWAGGER and redoc $REDOC"
