from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from rules.errors import FieldProblem, field_problems, validation_problems


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int

    @field_validator("size")
    @classmethod
    def _small(cls, value: int) -> int:
        if value > 9:
            raise ValueError(f"too big: {value}")
        return value


class Outer(BaseModel):
    name: str
    items: list[Inner]


def errors_of(data: dict) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Outer.model_validate(data)
    return caught.value


def test_problems_name_the_dotted_field_in_lower_case_without_value_error():
    exc = errors_of({"items": [{"size": 1}, {"size": 12}]})
    assert field_problems(exc) == [
        FieldProblem("name", "field required"),
        FieldProblem("items.1.size", "too big: 12"),
    ]
    assert validation_problems(exc) == "name: field required; items.1.size: too big: 12"


def test_problems_can_name_fields_as_the_reader_knows_them():
    exc = errors_of({"name": "x", "items": [{"size": 1, "colour": "red"}]})
    assert validation_problems(exc, name=lambda f: "X_" + f.upper()) == (
        "X_ITEMS.0.COLOUR: extra inputs are not permitted"
    )
