"""WS /ws/landscape — sweeps, basin maps and scatters with progress and cancel
(docs/landscape.md); the protocol is gdviz/streaming/landscape_protocol.py."""

import logging

from fastapi import APIRouter, WebSocket

from gdviz.streaming import landscape_protocol

from .sockets import serve_socket

router = APIRouter()
logger = logging.getLogger("gdviz.landscape")


@router.websocket("/ws/landscape")
async def landscape_socket(ws: WebSocket) -> None:
    await serve_socket(ws, landscape_protocol.serve, logger)
