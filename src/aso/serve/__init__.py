"""`aso serve`: an OpenAI-compatible HTTP server over a local backend.

One loaded model serves many workers."""

from aso.serve.app import BackgroundServer, create_app, serve

__all__ = ["BackgroundServer", "create_app", "serve"]
