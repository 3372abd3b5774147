"""Path parameters shared by the APIs."""

from __future__ import annotations

from typing import Annotated, Final

from litestar.params import PathParameter

MAX_DB_ID: Final = 2**31 - 1  # PostgreSQL `integer`: a larger id is invalid input (400), never a query

DbId = Annotated[int, PathParameter(ge=1, le=MAX_DB_ID, description="A database id")]
