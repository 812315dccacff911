"""Client → server WebSocket messages (docs/protocol.md), validated strictly."""

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from app.scenarios.models import MAX_RUNS, MAX_SPEED, Scenario
from app.scenarios.slice import SliceRequest

MAX_STEP_COUNT = 1000


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Start(_Msg):
    type: Literal["start"]
    scenario: Scenario
    paused: bool = False  # True: send frame 0 and wait for play/step


class Pause(_Msg):
    type: Literal["pause"]


class Play(_Msg):
    type: Literal["play"]


class Step(_Msg):
    type: Literal["step"]
    count: int = Field(1, ge=1, le=MAX_STEP_COUNT)


class Set(_Msg):
    type: Literal["set"]
    run: int = Field(ge=0, lt=MAX_RUNS)
    changes: dict[str, Any] = Field(min_length=1, max_length=16)


class Speed(_Msg):
    type: Literal["speed"]
    steps_per_second: float = Field(ge=1, le=MAX_SPEED, allow_inf_nan=False)


ClientMessage = Annotated[Union[Start, Pause, Play, Step, Set, Speed, SliceRequest],
                          Field(discriminator="type")]
