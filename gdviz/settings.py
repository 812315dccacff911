"""Server settings: one cached BaseSettings, overridable with GDVIZ_* variables."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GDVIZ_")

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1 << 20  # largest REST request body
    ws_max_message_bytes: int = 64 << 10  # larger WS messages get an `error` reply
    ws_hard_max_bytes: int = 1 << 20  # uvicorn closes the socket (1009) above this
    max_grid: int = 400  # contour grid points per axis
    max_query_chars: int = 4096  # longest scenario query string the page reads
    max_connections: int = 200  # live WebSocket streams per server process
    max_jobs: int = 2  # landscape computations (sweep/basins/scatter) running at once
    embed_frame_ancestors: str = "*"  # who may frame /embed (CSP frame-ancestors sources)
    # Host names besides loopback, the address connected to and this machine's name
    # (gdviz/api/hosts.py): "gdviz.example.org,*.example.org"; "*" turns the check off
    allowed_hosts: str = ""
    # slow and greedy clients (gdviz/http_protocol.py; `gdviz serve` only)
    request_timeout: float = 10.0  # seconds for a whole request (headers and body) to arrive
    connections_per_client: int = 50  # open connections per client address (0: no limit)
    unlimited_clients: str = "127.0.0.1,::1"  # addresses not counted: this machine, its proxy


@lru_cache
def get_settings() -> Settings:
    return Settings()
