"""GET /api/qr — a QR code of a link of this server, for phones in the room to scan.

The page's "QR code" button asks for its current link (path and query). The code names
the address phones on the network can open: the one the page was opened at, unless that
is this computer's loopback (the lecturer at http://127.0.0.1:8000) — then this
machine's network address, if the server answers there (``gdviz serve --host
0.0.0.0``); if it does not, there is no code, and the note says how to let phones in.
Made by segno on the server (gdviz/lan.py), never by a web service.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from gdviz.lan import QR_MAX_CHARS, is_loopback, lan_address, qr_svg, url_of

router = APIRouter()
PROBE_TIMEOUT_S = 1.0


async def _answers(host: str, port: int) -> bool:
    """Whether this server (or anything) accepts connections at host:port."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), PROBE_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True


@router.get("/api/qr", summary="A QR code of a link of this server, for phones in the room")
async def qr_code(request: Request,
                  link: Annotated[str, Query(description="the page's path and query, e.g. "
                                             "`/?v=1&surface=bowl`")] = "/") -> dict:
    """`{url, svg, note}`: `svg` is a data: URI of the code of `url` (null when phones
    cannot reach this server; `note` then says why)."""
    if not link.startswith("/") or link.startswith("//"):
        raise HTTPException(422, "link: give the page's path and query, starting with a "
                                 "single '/' (e.g. /?v=1&surface=bowl)")
    host = request.url.hostname or "127.0.0.1"
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if len(origin) + len(link) > QR_MAX_CHARS:
        raise HTTPException(422, f"link: {len(origin) + len(link):,} characters is more than a "
                                 f"QR code that phones can scan off a screen holds ({QR_MAX_CHARS:,}); "
                                 "share it with Copy link instead")
    if not is_loopback(host):
        url = origin + link
        return {"url": url, "svg": qr_svg(url), "note": ""}
    lan = lan_address()
    if lan is None or not await _answers(lan, port):
        return {"url": origin + link, "svg": None,
                "note": "This server listens on this computer only, so phones cannot open "
                        "it. Start it with: gdviz serve --host 0.0.0.0 (on a network you "
                        "trust), then show the code again."
                        if lan else "This computer has no network address now: connect it "
                        "to the room's network, then show the code again."}
    url = url_of(lan, port, link)
    return {"url": url, "svg": qr_svg(url), "note": "Phones on this network open it at this computer's address."}
