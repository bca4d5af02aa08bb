// Human labels for codes the API uses: the console never shows `shelter_incident` or `user.added` raw.
export const REGIME = { drone_hazard: "Drone hazard", missile_hazard: "Missile hazard", airspace_closed: "Airspace closed" };
Object.assign(REGIME, {  // air-raid alerts, one kind per threat (domain/air_raid.py)
  air_raid_alert: "Air-raid alert", air_raid_drones: "Air-raid alert (drones)",
  air_raid_ballistic_missiles: "Air-raid alert (ballistic missiles)", air_raid_cruise_missiles: "Air-raid alert (cruise missiles)",
  air_raid_guided_bombs: "Air-raid alert (guided bombs)", air_raid_aircraft: "Air-raid alert (military aircraft)",
});

export const KIND = {
  drone_attack: "Drone attack", interception: "Interception", explosion: "Explosions heard", drones_en_route: "Drones en route",
  airport_suspended: "Airport suspended", airport_resumed: "Airport resumed", regime_declared: "Regime declared",
  regime_lifted: "Regime lifted", plan_activated: "Plan activated", internet_restricted: "Mobile internet restricted",
  casualties: "Casualties", damage: "Damage", shelter_incident: "Shelter incident", missile_attack: "Missile attack",
  detection: "Sensor detection", stay_indoors: "Stay indoors", internet_restored: "Mobile internet restored",
};
Object.assign(KIND, { alert_declared: "Air-raid alert declared", alert_lifted: "Air-raid all-clear" });

export const MEASURE = {
  airport_suspended: "Airport suspended", internet_restricted: "Mobile internet restricted", stay_indoors: "Stay indoors",
  airspace_closed: "Airspace closed",
};

export const STATE = {
  pending_approval: "waits for a second person", issued: "issued", rejected: "rejected", withdrawn: "withdrawn",
  proposed: "proposed", in_force: "in force", ended: "ended", expired: "expired",
};

export const CHANNEL = { mqtt: "sirens", cap: "CAP feed", sms: "SMS", webhook: "webhooks", webpush: "Web Push",
  live: "live clients", cell_broadcast: "cell broadcast" };

export const SOURCE = { official: "official", sensor: "sensor", media: "media", witness: "witness", operator: "operator" };

const ACTION = {
  "report.received": "report received", "report.confirmed": "claim confirmed", "report.dismissed": "claim dismissed",
  "regime.declared": "regime declared", "regime.lifted": "regime lifted", "regime.proposed": "regime proposed",
  "alert.pending_approval": "alert waits for a second person", "alert.approved": "alert approved",
  "alert.issued": "alert issued", "alert.cancelled": "alert cancelled (false alarm)", "alert.rejected": "alert rejected",
  "measure.started": "measure started", "measure.ended": "measure ended", "user.added": "user added",
  "user.revoked": "user revoked", "user.rotated": "token rotated", "territory.imported": "territory imported",
  "plan.activated": "plan activated", "subscription.created": "subscription created",
};

/** "shelter_incident" → "Shelter incident" when no label is known. */
export function human(code) {
  const s = String(code || "").replaceAll("_", " ").replaceAll(".", ": ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const label = (table, code) => table[code] || human(code);
export const actionLabel = (a) => ACTION[a] || human(a);
