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
    # the page loads its ES modules linked into one file (static/js/main.linked.js, made
    # from them by gdviz/js_bundle.py); false: one file each, as written (for devtools)
    link_modules: bool = True
    max_connections: int = 200  # live WebSocket streams per server process
    # heavy jobs (POST /api/run, sweeps, basins, scatters, exports, slices) run in worker
    # processes (gdviz/jobs/): this many at once per server process, and this many more
    # may wait; beyond that a request is refused at once (503 + Retry-After / WS error)
    max_jobs: int = 2
    max_queued_jobs: int = 8
    # quick jobs a page needs to draw (expression builds, contour grids, model
    # descriptions): their own worker, so they never wait behind a basin map
    max_quick_jobs: int = 1
    max_queued_quick_jobs: int = 32
    job_memory_mb: int = 600  # estimated memory of all jobs computing at once, per server process
    job_nice: int = 10  # worker processes run this much below the server's CPU priority
    max_job_seconds: float = 300.0  # a job still running after this is stopped (a bug guard)
    job_idle_seconds: float = 300.0  # an idle worker process exits after this (respawned on demand)
    # …but a lane's further processes, started for a burst, exit after this idle
    job_extra_idle_seconds: float = 15.0
    ws_send_timeout: float = 10.0  # a socket whose sends make no progress this long is dropped
    ws_idle_seconds: float = 900.0  # a socket with no message and nothing streaming is closed
    # origins besides the server's own that may open its WebSockets (comma-separated,
    # e.g. "https://slides.example.org"; "*" allows any page)
    ws_origins: str = ""
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
