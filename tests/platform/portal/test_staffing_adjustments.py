"""Seasonal events and manual overrides on a queue's staffing page: account staff add and remove them,
supervisors read them, other clients' queues do not exist, and refusals show next to their inputs."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx

from staffing.planning.tables import ForecastOverride, SeasonalEvent
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor


def _form(session: httpx.AsyncClient, /, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(session), **values}


def event_form(**overrides: str) -> dict[str, str]:
    first = date.today() + timedelta(days=10)
    return {
        "name": "Black Friday",
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=2)).isoformat(),
        "uplift_percent": "35",
        "scope": "queue",
        **overrides,
    }


def override_form(**overrides: str) -> dict[str, str]:
    day = date.today() + timedelta(days=3)
    return {
        "starts_at": f"{day.isoformat()}T09:00",
        "ends_at": f"{day.isoformat()}T12:00",
        "volume_per_hour": "42.5",
        "aht_s": "",
        "reason": "Campaign mail-out",
        **overrides,
    }


async def test_events_are_added_read_and_removed(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    url = f"/staffing/queues/{floor.queue_a}"
    page = await manager.get(url)
    assert page.status_code == 200 and "Add a seasonal event" in page.text
    # The page title is the queue's name alone, and each section appears once.
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert title is not None and "<" not in title.group(1)
    assert page.text.count('id="events-title"') == 1
    backwards = event_form(last_day=(date.today() + timedelta(days=1)).isoformat())
    refused = await manager.post(f"{url}/events", data=_form(manager, **backwards))
    assert refused.status_code == 422
    assert field_error(refused.text, "last_day") == "Choose a day on or after the first day."
    empty = await manager.post(
        f"{url}/events", data=_form(manager, **event_form(name="", uplift_percent="x"))
    )
    # Each input says what it wants.
    assert empty.status_code == 422
    assert (
        field_error(empty.text, "uplift_percent")
        == "Enter the change in volume in percent, such as 40 or -20."
    )
    assert field_error(empty.text, "name") == "Give the event a name, such as Black Friday."
    huge = await manager.post(f"{url}/events", data=_form(manager, **event_form(uplift_percent="5000")))
    assert huge.status_code == 422 and field_error(huge.text, "uplift_percent") is not None
    assert 'value="5000"' in huge.text
    token = csrf_of(manager)
    manager.headers.pop("X-CSRF-Token")
    assert (await manager.post(f"{url}/events", data=event_form())).status_code == 403
    manager.headers["X-CSRF-Token"] = token
    assert await SeasonalEvent.count() == 0  # scope: test
    added = await manager.post(f"{url}/events", data=_form(manager, **event_form()))
    assert added.headers["location"] == f"{url}?notice=event", added.text
    whole = await manager.post(
        f"{url}/events",
        data=_form(manager, **event_form(name="Carnival", uplift_percent="-40", scope="client")),
    )
    assert whole.status_code == 303
    shown = text_of((await manager.get(added.headers["location"])).text)
    assert "Black Friday" in shown and "35.0%" in shown and "This queue" in shown
    assert "Carnival" in shown and "-40.0%" in shown and "Every queue of the client" in shown
    # Supervisors read the events, without the forms.
    supervisor = await world.sign_in("supervisor")
    read = text_of((await supervisor.get(url)).text)
    assert "Black Friday" in read and "Add a seasonal event" not in read and "Remove" not in read
    event = await SeasonalEvent.select().where(SeasonalEvent.name == "Black Friday").first()  # scope: test
    assert event is not None and event["queue_id"] == floor.queue_a
    delete = f"{url}/events/{event['id']}/delete"
    assert (await supervisor.post(f"{url}/events", data=_form(supervisor, **event_form()))).status_code == 403
    assert (await supervisor.post(delete, data=_form(supervisor))).status_code == 403
    # Client B's queue is beyond the account manager's reach.
    other = f"/staffing/queues/{floor.queue_b}"
    assert (await manager.post(f"{other}/events", data=_form(manager, **event_form()))).status_code == 404
    removed = await manager.post(delete, data=_form(manager))
    assert removed.headers["location"] == f"{url}?notice=event_deleted"
    assert "Black Friday" not in text_of((await manager.get(url)).text)
    assert await SeasonalEvent.count() == 1  # scope: test


async def test_overrides_are_added_read_and_removed(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    url = f"/staffing/queues/{floor.queue_a}"
    neither = await manager.post(f"{url}/overrides", data=_form(manager, **override_form(volume_per_hour="")))
    assert neither.status_code == 422
    assert field_error(neither.text, "volume_per_hour") == "Give a volume, a handle time, or both."
    backwards = override_form(ends_at=override_form()["starts_at"], starts_at=override_form()["ends_at"])
    refused = await manager.post(f"{url}/overrides", data=_form(manager, **backwards))
    assert field_error(refused.text, "ends_at") == "Choose a time after the start."
    unreadable = await manager.post(
        f"{url}/overrides", data=_form(manager, **override_form(starts_at="soon"))
    )
    assert field_error(unreadable.text, "starts_at") == "Enter the day and time the override starts."
    assert await ForecastOverride.count() == 0  # scope: test
    token = csrf_of(manager)
    manager.headers.pop("X-CSRF-Token")
    assert (await manager.post(f"{url}/overrides", data=override_form())).status_code == 403
    manager.headers["X-CSRF-Token"] = token
    added = await manager.post(f"{url}/overrides", data=_form(manager, **override_form(aht_s="240")))
    assert added.headers["location"] == f"{url}?notice=override", added.text
    shown = text_of((await manager.get(added.headers["location"])).text)
    assert "Campaign mail-out" in shown and "42.5" in shown and "09:00" in shown.replace("9:00", "09:00")
    supervisor = await world.sign_in("supervisor")
    read = text_of((await supervisor.get(url)).text)
    assert "Campaign mail-out" in read and "Add an override" not in read
    row = await ForecastOverride.select().first()  # scope: test
    assert row is not None and row["volume"] == 42.5 and row["aht_s"] == 240
    delete = f"{url}/overrides/{row['id']}/delete"
    assert (await supervisor.post(delete, data=_form(supervisor))).status_code == 403
    other = f"/staffing/queues/{floor.queue_b}"
    assert (
        await manager.post(f"{other}/overrides", data=_form(manager, **override_form()))
    ).status_code == 404
    assert (
        await manager.post(f"{other}/overrides/{row['id']}/delete", data=_form(manager))
    ).status_code == 404
    removed = await manager.post(delete, data=_form(manager))
    assert removed.headers["location"] == f"{url}?notice=override_deleted"
    assert await ForecastOverride.count() == 0  # scope: test
