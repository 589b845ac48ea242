"""FastAPI dependencies shared by the routers (``Annotated`` style)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from .security import Principal, require_key


def get_service(request: Request):
    return request.app.state.svc


Svc = Annotated[Any, Depends(get_service)]  # a service.app.Service
Auth = Annotated[Principal, Depends(require_key)]
