"""Thin FastAPI routes: pages, REST and the WebSocket stream."""
