"""Whom the node's own events wake: each alert asks the expander once, a report that issued nothing asks
no one, an event that does not say what it issued asks both."""

from airwarn.delivery.wakeups import REMEMBERED, Wakeups


def _report(*identifiers: str) -> dict[str, object]:
    return {"report_id": "r1", "alerts": [{"identifier": i, "state": "issued"} for i in identifiers]}


def test_an_alert_handed_off_live_kicks_the_expander_once_and_its_report_wakes_the_claim_loop() -> None:
    w = Wakeups()
    assert w.on({"delivery": "issued", "identifier": "a1"}) == (False, True)
    assert w.on(_report("a1")) == (True, False)  # its jobs were asked about already; its rows may be due


def test_an_alert_with_no_live_hand_off_is_asked_about_by_its_use_case_event() -> None:
    w = Wakeups()  # mobile internet restricted: no live row, so no hand-off event
    assert w.on(_report("a2")) == (True, True)
    assert w.on(_report("a2")) == (True, False)


def test_a_report_that_issued_nothing_wakes_no_one() -> None:
    assert Wakeups().on(_report()) == (False, False)


def test_an_event_that_does_not_say_what_it_issued_wakes_both() -> None:
    w = Wakeups()
    assert w.on({"subscription": "s1"}) == (True, True)
    assert w.on({"alerts": "not a list"}) == (True, True)
    assert w.on({"alerts": [None, {"identifier": 7}]}) == (True, True)  # unreadable ids are never "told"


def test_it_remembers_a_bounded_number_of_alerts() -> None:
    w = Wakeups()
    for n in range(REMEMBERED + 10):
        w.on({"delivery": "issued", "identifier": f"a{n}"})
    assert w.on(_report("a0")) == (True, True)  # forgotten: asked again (a wasted claim, never a lost one)
    assert w.on(_report(f"a{REMEMBERED + 9}")) == (True, False)


def test_events_mirrored_in_from_another_node_wake_no_one_here() -> None:
    import asyncio

    from airwarn.bus.memory import Event, Hub
    from airwarn.delivery.wakeups import watch

    async def scenario() -> tuple[bool, bool]:
        hub = Hub(100)
        wake, kick = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(watch(hub, wake, kick))
        await asyncio.sleep(0)
        hub.put(Event(1, "alert", {"delivery": "issued", "identifier": "a1"}, local=False))
        hub.put(Event(2, "report", {"alerts": [{"identifier": "a1"}]}, local=False))
        for _ in range(5):
            await asyncio.sleep(0)
        remote = (wake.is_set(), kick.is_set())
        hub.put(Event(3, "report", {"alerts": [{"identifier": "a2"}]}))  # this process's own
        for _ in range(5):
            await asyncio.sleep(0)
        watcher.cancel()
        return remote, (wake.is_set(), kick.is_set())

    assert asyncio.run(scenario()) == ((False, False), (True, True))


def test_a_process_that_only_sends_is_woken_by_every_processs_events() -> None:
    import asyncio

    from airwarn.bus.memory import Event, Hub
    from airwarn.delivery.wakeups import watch

    async def scenario() -> tuple[bool, bool]:
        hub = Hub(100)
        wake, kick = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(watch(hub, wake, kick, any_origin=True))
        await asyncio.sleep(0)
        hub.put(Event(1, "report", {"alerts": [{"identifier": "a1"}]}, local=False))  # a deciding node's
        for _ in range(5):
            await asyncio.sleep(0)
        watcher.cancel()
        return wake.is_set(), kick.is_set()

    assert asyncio.run(scenario()) == (True, True)
