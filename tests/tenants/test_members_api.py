"""Members and account assignments."""

from __future__ import annotations

from typing import Any

import pytest

from retaguarda.mail import LogSender, set_sender
from tenants.tables import AccountAssignment, Membership, User
from tests.support.world import World

NEW_MEMBER: dict[str, Any] = {
    "email": "New.Person@Example.test",
    "displayName": "New Person",
    "role": "client_member",
    "password": "a long password",
}


async def test_client_admin_adds_a_member_who_is_told_by_email(world: World) -> None:
    sender = LogSender()
    set_sender(sender)
    try:
        client = await world.sign_in("a_admin")
        created = await client.post(f"/api/v1/tenants/{world.client_a.id}/members", json=NEW_MEMBER)
        assert created.status_code == 201, created.text
        assert created.json()["email"] == "new.person@example.test"
        assert created.json()["tenantId"] == str(world.client_a.id)
        await world.settle_jobs()
        assert [m.to for m in sender.sent] == ["new.person@example.test"]
        # Client A speaks pt_BR: the message is not the English source text.
        assert "You now have access" not in sender.sent[0].subject
        listed = (await client.get(f"/api/v1/tenants/{world.client_a.id}/members")).json()["items"]
        assert "new.person@example.test" in {m["email"] for m in listed}
        duplicate = await client.post(f"/api/v1/tenants/{world.client_a.id}/members", json=NEW_MEMBER)
        assert duplicate.status_code == 409
    finally:
        set_sender(None)


async def test_members_lists_never_include_another_tenants_people(world: World) -> None:
    listed = (
        await (await world.sign_in("b_member")).get(f"/api/v1/tenants/{world.client_b.id}/members")
    ).json()
    assert {m["email"] for m in listed["items"]} == {"b_admin@example.test", "b_member@example.test"}


async def test_roles_must_fit_the_tenant_kind(world: World) -> None:
    client = await world.sign_in("a_admin")
    response = await client.post(
        f"/api/v1/tenants/{world.client_a.id}/members", json={**NEW_MEMBER, "role": "admin"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"
    assert await User.count().where(User.email == "new.person@example.test") == 0


@pytest.mark.parametrize("who", ["a_member", "operator", "supervisor"])
async def test_members_are_managed_by_admins_only(world: World, who: str) -> None:
    response = await (await world.sign_in(who)).post(
        f"/api/v1/tenants/{world.client_a.id}/members", json=NEW_MEMBER
    )
    assert response.status_code == 403


async def test_account_manager_manages_members_of_its_clients_only(world: World) -> None:
    manager = await world.sign_in("account_manager")
    mine = await manager.post(f"/api/v1/tenants/{world.client_a.id}/members", json=NEW_MEMBER)
    assert mine.status_code == 201
    theirs = await manager.post(f"/api/v1/tenants/{world.client_b.id}/members", json=NEW_MEMBER)
    assert theirs.status_code == 404
    staff = await manager.post(
        f"/api/v1/tenants/{world.provider.id}/members", json={**NEW_MEMBER, "role": "operator"}
    )
    assert staff.status_code == 403  # provider staff is the provider admin's to manage


async def test_role_change_and_the_last_admin_rule(world: World) -> None:
    client = await world.sign_in("a_admin")
    members = (await client.get(f"/api/v1/tenants/{world.client_a.id}/members")).json()["items"]
    by_email = {m["email"]: m for m in members}
    admin_path = f"/api/v1/tenants/{world.client_a.id}/members/{by_email['a_admin@example.test']['id']}"
    member_path = f"/api/v1/tenants/{world.client_a.id}/members/{by_email['a_member@example.test']['id']}"
    assert (await client.patch(admin_path, json={"role": "client_member"})).status_code == 409
    assert (await client.delete(admin_path)).status_code == 409
    promoted = await client.patch(member_path, json={"role": "client_admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "client_admin"
    assert (await client.patch(member_path, json={"role": "operator"})).status_code == 422
    assert (await client.delete(admin_path)).status_code == 204
    assert await Membership.count().where(Membership.tenant_id == world.client_a.id) == 1


async def test_foreign_membership_ids_answer_404(world: World) -> None:
    b_member = (
        await Membership.objects().where(Membership.user_id == world.people["b_member"].user_id).first()
    )
    assert b_member is not None
    client = await world.sign_in("a_admin")
    for method, body in (("GET", None), ("PATCH", {"role": "client_admin"}), ("DELETE", None)):
        # Through client B's path and through client A's path: neither finds it.
        for tenant in (world.client_b.id, world.client_a.id):
            response = await client.request(
                method, f"/api/v1/tenants/{tenant}/members/{b_member.id}", json=body
            )
            assert response.status_code == 404, (method, tenant)
    assert (await Membership.objects().where(Membership.id == b_member.id).first()).role == "client_member"  # type: ignore[union-attr]


async def test_a_failure_after_the_first_write_leaves_nothing_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenants.service import directory

    async def broken_enqueue(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(directory, "enqueue", broken_enqueue)
    client = await world.sign_in("a_admin")
    response = await client.post(f"/api/v1/tenants/{world.client_a.id}/members", json=NEW_MEMBER)
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    # The user row and the membership were written before the failure; both were rolled back.
    assert await User.count().where(User.email == "new.person@example.test") == 0
    assert await Membership.count().where(Membership.tenant_id == world.client_a.id) == 2


async def test_admin_assigns_account_managers(world: World) -> None:
    admin = await world.sign_in("admin")
    manager_id = str(world.people["account_manager"].user_id)
    created = await admin.post(
        "/api/v1/account-assignments", json={"tenantId": str(world.client_b.id), "managerId": manager_id}
    )
    assert created.status_code == 201
    again = await admin.post(
        "/api/v1/account-assignments", json={"tenantId": str(world.client_b.id), "managerId": manager_id}
    )
    assert again.status_code == 409
    not_a_manager = await admin.post(
        "/api/v1/account-assignments",
        json={"tenantId": str(world.client_b.id), "managerId": str(world.people["operator"].user_id)},
    )
    assert not_a_manager.status_code == 422
    provider = await admin.post(
        "/api/v1/account-assignments", json={"tenantId": str(world.provider.id), "managerId": manager_id}
    )
    assert provider.status_code == 422
    # The manager now reaches client B too.
    manager = await world.sign_in("account_manager")
    assert (await manager.get(f"/api/v1/tenants/{world.client_b.id}")).status_code == 200
    mine = (await manager.get("/api/v1/account-assignments")).json()["items"]
    assert {a["tenantId"] for a in mine} == {str(world.client_a.id), str(world.client_b.id)}
    removed = await admin.delete(f"/api/v1/account-assignments/{created.json()['id']}")
    assert removed.status_code == 204
    assert await AccountAssignment.count() == 1


@pytest.mark.parametrize("who", ["a_admin", "operator", "supervisor"])
async def test_assignments_are_provider_business(world: World, who: str) -> None:
    client = await world.sign_in(who)
    assert (await client.get("/api/v1/account-assignments")).status_code == 403
    response = await client.post(
        "/api/v1/account-assignments",
        json={"tenantId": str(world.client_b.id), "managerId": str(world.people["account_manager"].user_id)},
    )
    assert response.status_code == 403
