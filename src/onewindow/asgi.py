"""The ASGI application for servers: `uvicorn onewindow.asgi:app`."""

from onewindow.app import create_app

app = create_app()
