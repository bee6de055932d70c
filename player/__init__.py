"""echo-player: play declarative YAML scenarios into Tavus echo-mode conversations."""

from __future__ import annotations

__version__ = "0.1.0"
