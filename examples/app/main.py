"""Application entry point: the seed's main.py, import-time work included."""
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import guard_router, items_router
from app.db import init_db
from app.limits import BudgetTracker, RateLimiter
from app.planners import get_planner

logger = logging.getLogger(__name__)

rate_limiter = RateLimiter()
budget_tracker = BudgetTracker()

init_db()
planner = get_planner()


@asynccontextmanager
async def lifespan(app: FastAPI):
    init_db()
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(items_router)
app.include_router(guard_router)
