"""Publishing an issued alert inside its transaction: the signed CAP document, its outbox rows and fan-out
jobs, and its audit record; after the commit, the hand-off to live clients."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from airwarn import metrics
from airwarn.domain.alert_payload import live_payload
from airwarn.domain.alerts import Alert
from airwarn.domain.regimes import Picture
from airwarn.service_layer.deps import Delivery, Deps
from airwarn.store.issued_rows import IssuedRow
from airwarn.store.outbox_rows import LiveReceipt
from airwarn.store.repository import Repository

log = logging.getLogger("airwarn.service_layer.publishing")
#: How long the dispatcher leaves a live row to the node that issued it before sending it itself.
HANDOFF_LEASE = timedelta(seconds=5)


def audit(repo: Repository, deps: Deps, actor: str, action: str, entity: str, entity_id: str,
          **data: Any) -> None:
    repo.append_audit(at=deps.clock(), actor=actor, action=action, entity=entity, entity_id=entity_id,
                      data=data)


def issue(repo: Repository, deps: Deps, alert: Alert, picture: Picture, actor: str, *, new: bool) -> str:
    """Sign the CAP document, store it, write an outbox row per live/feed/siren target and the fan-out jobs
    that dispatchers expand into one outbox row per subscriber target after commit (a bounded number of
    rows here, whatever the number of subscribers)."""
    now = deps.clock()
    xml = deps.render(alert)
    if new:
        repo.add_alert(alert, xml, now)
    else:
        repo.replace_alert(alert, xml, now)
    deliveries = deps.fanout(repo, alert, picture)
    hand_off = deps.events.serving
    rows = [_issued_row(d, now, hand_off) for d in deliveries.rows]
    ids = repo.add_outbox_issued(alert_id=alert.identifier, rows=rows, jobs=deliveries.jobs, now=now,
                                 worker=_worker("feed"))
    repo.add_outbox_many(alert_id=alert.identifier, columns=deliveries.columns, now=now)
    for row in rows:
        if row.channel == "live" and hand_off:
            repo.after_commit.append(partial(hand_off_live, deps, ids[(row.channel, row.target)], alert))
        elif row.state == "delivered":
            repo.after_commit.append(partial(metrics.observe, row.channel, True, 0.0))
    audit(repo, deps, actor, "alert.issued", "alert", alert.identifier, msg_type=alert.msg_type.value,
          status=alert.status.value, headline=alert.headline, approved_by=alert.approved_by,
          references=[r.identifier for r in alert.references], channels=deliveries.channels())
    return xml


def _issued_row(d: Delivery, now: datetime, hand_off: bool) -> IssuedRow:
    """The outbox row of one of an alert's single deliveries as its commit writes it."""
    if d.channel == "live" and hand_off:  # handed off after the commit; the dispatcher's only if that fails
        return IssuedRow(d.channel, d.target, d.reason, "pending", now + HANDOFF_LEASE)
    if d.channel == "cap":  # committed is published: the feed serves the alerts table
        return IssuedRow(d.channel, d.target, d.reason, "delivered", now)
    return IssuedRow(d.channel, d.target, d.reason, "pending", now)


def hand_off_live(deps: Deps, outbox_id: int, alert: Alert) -> None:
    """Right after commit, before the use case's own event: publish the alert to live listeners and note
    its outbox row delivered (recorded with the next write, no transaction of its own under load). Should
    either step fail, the row's lease runs out and the dispatcher sends it (under the same identifier, so
    a listener that already has it can drop the repeat)."""
    t0 = time.perf_counter()
    try:
        published = deps.events.publish("alert", {**live_payload(alert), "delivery": "issued"})
        metrics.observe("live", published, time.perf_counter() - t0)
        if published:
            deps.uow.handed_off(LiveReceipt(outbox_id, alert.identifier, deps.clock(), _worker("handoff"),
                                            (time.perf_counter() - t0) * 1000))
    except Exception:
        log.exception("live hand-off of %s failed; the dispatcher sends it after the lease", alert.identifier)


def _worker(kind: str) -> str:
    return f"{kind}-{socket.gethostname()}-{os.getpid()}"[:64]
