"""Client → server WebSocket messages (docs/protocol.md), validated strictly."""

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field

from gdviz.client_json import loads
from gdviz.scenarios.models import MAX_RUNS, MAX_SPEED, MAX_STEPS, Scenario
from gdviz.scenarios.numbers import Model
from gdviz.scenarios.slice import SliceRequest

MAX_STEP_COUNT = 1000
MAX_REPLAY_EDITS = 1000  # live `set`s a `replay` may carry (the 64 KiB message holds ~1,000)
MAX_INSPECTED = 64  # weights whose update terms a network run's frames may carry


class _Msg(Model):
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


class Edit(_Msg):
    """One live change a `replay` re-applies: what a `hyper` reply said was in force for
    ``run`` from step ``step + 1`` on."""

    run: int = Field(ge=0, lt=MAX_RUNS)
    step: int = Field(ge=0, le=MAX_STEPS)
    changes: dict[str, Any] = Field(min_length=1, max_length=16)


class Replay(_Msg):
    """Rebuild the runs of ``scenario`` up to ``step`` with every ``edit`` applied at its
    step (a page whose server went away; docs/protocol.md)."""

    type: Literal["replay"]
    scenario: Scenario
    edits: list[Edit] = Field(default_factory=list, max_length=MAX_REPLAY_EDITS)
    step: int = Field(ge=0, le=MAX_STEPS)
    paused: bool = False


class Inspect(_Msg):
    """Which weights' update terms (``opt``) run ``run``'s frames carry: a network's
    frames carry none until asked; a 2-weight objective's carry both always."""

    type: Literal["inspect"]
    run: int = Field(ge=0, lt=MAX_RUNS)
    weights: list[Annotated[int, Field(ge=0)]] = Field(max_length=MAX_INSPECTED)


ClientMessage = Annotated[Union[Start, Pause, Play, Step, Set, Speed, SliceRequest, Inspect,
                                Replay],
                          Field(discriminator="type")]


class BadMessage(ValueError):
    """A client message that is not one JSON object; ``str()`` is the reply's sentence."""


def read_message(text: str | bytes | None, max_bytes: int) -> dict:
    """One client message as a JSON object — the first step of every WebSocket route.

    Raises ``BadMessage`` naming what is wrong: a binary frame, more than ``max_bytes``
    of UTF-8, text that is not JSON (NaN and Infinity included: browsers reject them),
    nesting deeper than Python's JSON reader goes (a 64 KiB message can nest 32,000
    levels), or JSON that is not an object. An integer too long to convert is kept as a
    marker that validation refuses at its field (gdviz/client_json.py)."""
    if not isinstance(text, str):
        raise BadMessage("message: send JSON text, not binary")
    size = len(text) if len(text) > max_bytes else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BadMessage(f"message: {size:,} bytes is larger than the limit of "
                         f"{max_bytes:,} bytes")
    try:
        raw = loads(text, allow_constants=False)
    except RecursionError:
        raise BadMessage("message: nested too deeply; JSON arrays and objects in a message "
                         "may nest a few hundred levels at most") from None
    except ValueError as e:
        raise BadMessage(f"message: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise BadMessage("message: expected a JSON object with a 'type'")
    return raw
