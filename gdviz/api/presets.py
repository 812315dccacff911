"""GET /api/presets (the preset lessons) and GET /s/{id} (open one in the playground)."""

from fastapi import APIRouter, HTTPException
from fastapi.responses import RedirectResponse

from gdviz.scenarios.presets import PRESETS, Preset
from gdviz.scenarios.view import unknown_preset

from .json import StrictJSONResponse

router = APIRouter(default_response_class=StrictJSONResponse)


def preset_info(p: Preset) -> dict:
    return {"id": p.id, "title": p.title, "lesson": p.lesson,
            "scenario": p.scenario.model_dump(exclude_none=True), "view": p.view_keys,
            "url": p.url}


@router.get("/api/presets", summary="The preset lessons")
def list_presets() -> list[dict]:
    """Each preset's id, title, lesson text (what to watch and why), its scenario (as
    `POST /api/run` takes it), its view keys (e.g. `{"tab": "basins"}`: what the page
    shows; see docs/url.md) and the playground link that opens it with its lesson."""
    return [preset_info(p) for p in PRESETS.values()]


@router.get("/s/{preset_id}", summary="Open a preset in the playground",
            response_class=RedirectResponse, status_code=307)
def open_preset(preset_id: str) -> RedirectResponse:
    """A 307 redirect to the preset's playground link (`url` in `GET /api/presets`)."""
    if preset_id not in PRESETS:
        raise HTTPException(404, f"preset: {unknown_preset(preset_id, PRESETS)}")
    return RedirectResponse(PRESETS[preset_id].url, status_code=307)
