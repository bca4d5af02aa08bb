// Places a resident can search and see on the map: towns and villages from the packaged gazetteer
// (static/data/places.json, built from GeoNames by scripts/build_places.py), districts, regions, airports.
/* global L */
import { airportIcon, api, textTip } from "./common.js";
import { placeName } from "./i18n.js";

const norm = (s) => String(s || "").toLowerCase().replaceAll("ё", "е").replace(/[’'`]/g, "").trim();

/** Every searchable place: {kind, name_en, name_ru, name_uk, at: [lat, lon], zoom, region, district, population}. */
export async function loadPlaces(features, regions) {
  const out = [];
  for (const f of features) {
    const p = f.properties;
    const at = p.centre ? p.centre : f.geometry && f.geometry.type === "Point" ? [f.geometry.coordinates[1], f.geometry.coordinates[0]] : null;
    if (!at || !["district", "region", "airport"].includes(p.kind)) continue;
    out.push({ kind: p.kind, code: p.code || p.icao, name_en: p.name_en, name_ru: p.name_ru, name_uk: p.name_uk, icao: p.icao,
      at, region: p.kind === "region" ? p.code : p.region, district: p.kind === "district" ? p.code : null,
      zoom: p.kind === "region" ? 7 : p.kind === "district" ? 10 : 12, aliases: p.aliases || [], population: p.population || 0 });
  }
  try {
    const data = await api("/static/data/places.json");
    for (const [en, ru, uk, lat, lon, population, district] of data.places) {
      const region = district.split("-").slice(0, 2).join("-");
      out.push({ kind: "town", name_en: en, name_ru: ru, name_uk: uk, at: [lat, lon], population, district, region,
        zoom: 14, aliases: [] });
    }
  } catch (_) { /* a server without the gazetteer: districts, regions and airports still work */ }
  for (const p of out) {
    p.keys = [p.name_en, p.name_ru, p.name_uk, p.icao, ...p.aliases].filter(Boolean).map(norm);
    p.regionProps = regions[p.region] || null;
  }
  return out;
}

/** A label for lists: "Millerovo, Rostov Region" / "Volgograd (URWW), Volgograd Region". */
export function label(p) {
  const n = placeName(p);
  const where = p.regionProps && p.kind !== "region" ? `, ${placeName(p.regionProps)}` : "";
  return p.kind === "airport" ? `${n} (${p.icao})${where}` : `${n}${where}`;
}

/** The best match for a typed name in any language: exact, then the start of a name, then anywhere. */
export function search(places, query) {
  const q = norm(query);
  if (!q) return null;
  const byPop = (a, b) => (b.kind === "town") - (a.kind === "town") || b.population - a.population;
  const exactLabel = places.find((p) => norm(label(p)) === q);
  if (exactLabel) return exactLabel;
  for (const test of [(k) => k === q, (k) => k.startsWith(q), (k) => k.includes(q)]) {
    const hits = places.filter((p) => p.keys.some(test));
    if (hits.length) return hits.sort(byPop)[0];
  }
  return null;
}

/** Where a picked district lands: its biggest town (where the streets are), else its centre. */
export function landing(places, place) {
  if (place.kind !== "district") return place;
  const towns = places.filter((p) => p.kind === "town" && p.district === place.district).sort((a, b) => b.population - a.population);
  return towns[0] ? { ...place, at: towns[0].at, zoom: 13 } : place;
}

/** Smallest population labelled at a zoom: cities from afar, every village close up. */
function minPopulation(zoom) {
  if (zoom < 6) return 300000;
  if (zoom < 7.5) return 100000;
  if (zoom < 9) return 20000;
  if (zoom < 10.5) return 5000;
  return 0;
}

/** Town labels (and airports from zoom 8) for the map's view; redrawn when the view changes. */
export function placeLabels(map, places) {
  const layer = L.layerGroup().addTo(map);
  const draw = () => {
    layer.clearLayers();
    const zoom = map.getZoom();
    const bounds = map.getBounds();
    const min = minPopulation(zoom);
    let shown = 0;
    for (const p of places) {
      if (shown > 120) break;
      if (!bounds.contains(p.at)) continue;
      if (p.kind === "town" && p.population >= min) {
        L.circleMarker(p.at, { radius: 2.5, weight: 1, color: "#0f172a", fillColor: "#0f172a", fillOpacity: 1, interactive: false })
          .bindTooltip(textTip(placeName(p)), { permanent: true, direction: "right", className: "place-label", interactive: false })
          .addTo(layer);
        shown += 1;
      } else if (p.kind === "airport" && zoom >= 8) {
        L.marker(p.at, { icon: airportIcon(), keyboard: false, interactive: false })
          .bindTooltip(textTip(`${placeName(p)} (${p.icao})`), { permanent: true, direction: "right", className: "place-label" })
          .addTo(layer);
        shown += 1;
      }
    }
  };
  map.on("zoomend moveend", draw);
  return { redraw: draw };
}
