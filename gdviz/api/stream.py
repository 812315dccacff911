"""WS /ws/run — a live stream with play/pause/step/set/speed (docs/protocol.md); the
protocol is gdviz/streaming/run_protocol.py."""

import logging

from fastapi import APIRouter, WebSocket

from gdviz.streaming import run_protocol

from .sockets import serve_socket

router = APIRouter()
logger = logging.getLogger("gdviz.stream")


@router.websocket("/ws/run")
async def run_socket(ws: WebSocket) -> None:
    await serve_socket(ws, run_protocol.serve, logger)
