"""The portal's one form flow (``forms.submit_form``): a refused form comes back with 422, the values as
typed and, by each empty or invalid input, what that input wants; an accepted one redirects."""

from __future__ import annotations

from retaguarda.errors import FieldError, InvalidInput
from retaguarda.i18n import N_
from retaguarda.portal.forms import FormSpec
from tests.platform.portal.support import csrf_of, field_error
from tests.platform.portal.test_staffing_pages import plan_form, seasonal_operator
from tests.support.work import Floor

SPEC = FormSpec(("name", "starts_at", "notes"), {"name": N_("Give the plan a name.")})


def test_a_vague_error_on_an_input_reads_as_what_the_input_wants() -> None:
    refused = InvalidInput(
        errors=[
            FieldError("name", "required", "Object missing required field `name`"),
            FieldError("startsAt", "in_the_past", "Choose a time in the future."),
            FieldError("notes", "too_long", "At most 2000 characters."),
            FieldError("changes[0].share", "invalid", "Bad share."),
        ]
    )
    assert SPEC.errors(refused, "pt_BR") == {
        "name": "Dê um nome ao plano.",
        "starts_at": "Escolha um momento no futuro.",  # the domain's own specific message
        "notes": "Este texto é longo demais.",
        "_form": "Este valor não é válido.",
    }
    assert SPEC.errors(refused, "en")["name"] == "Give the plan a name."


async def test_an_empty_plan_form_says_what_each_input_wants_in_the_viewers_language(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")
    chosen = await manager.post("/profile/language", data={"csrf_token": csrf_of(manager), "locale": "es"})
    assert chosen.status_code == 303
    operator = await seasonal_operator(floor)
    empty = plan_form(operator, floor, name="", starts_at="", ends_at="", kind_0="", notes="nota")
    refused = await manager.post("/staffing/plans", data={"csrf_token": csrf_of(manager), **empty})
    assert refused.status_code == 422
    assert field_error(refused.text, "name") == "Dé un nombre al plan."
    assert field_error(refused.text, "starts_at") == "Introduzca el día y la hora en que empieza el plan."
    assert field_error(refused.text, "ends_at") == "Introduzca el día y la hora en que termina el plan."
    assert field_error(refused.text, "changes") == "Añada al menos un cambio."
    assert ">nota</textarea>" in refused.text or 'value="nota"' in refused.text  # kept as typed
    accepted = await manager.post(
        "/staffing/plans", data={"csrf_token": csrf_of(manager), **plan_form(operator, floor)}
    )
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("?notice=created")
