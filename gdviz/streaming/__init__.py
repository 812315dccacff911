"""Live runs for one WebSocket: the control protocol, pacing and frame batching."""
