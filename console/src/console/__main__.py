"""python -m console: serve the office console."""

from __future__ import annotations

import uvicorn
from anju_common.logs import configure_logging

from console.config import get_settings


def main() -> None:
    """Run the console with uvicorn on ANJU_HOST:CONSOLE_PORT."""
    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(
        "console.main:app",
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
