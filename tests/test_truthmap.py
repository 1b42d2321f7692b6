"""The truth map a team reviews: routes with full paths, roles with evidence, state verdicts,
priorities, and ``map --diff`` — through the installed ``truthlint`` on trees written here (a
small shop laid out after FastAPI's documented project layout, in our own words)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from truthlint.adapters.mapdiff import _safe
from truthlint.facts.mounts import text_of

from .conftest import run_truthlint, write_tree

SHOP = {
    "pyproject.toml": """\
        [project]
        name = "shop"

        [tool.truthlint]
        layer-order = ["api", "services", "models"]
        """,
    "shop/__init__.py": "",
    "shop/settings.py": """\
        class Settings:
            API_V1_STR = "/api/v1"


        settings = Settings()
        """,
    "shop/db.py": """\
        from sqlmodel import Session, create_engine

        engine = create_engine("sqlite://")


        def get_session():
            with Session(engine) as session:
                yield session
        """,
    "shop/models/__init__.py": """\
        from sqlmodel import Field, SQLModel


        class Item(SQLModel, table=True):
            id: int = Field(default=None, primary_key=True)
            name: str
        """,
    "shop/main.py": """\
        from fastapi import FastAPI

        from shop.api.main import api_router
        from shop.settings import settings



        async def lifespan(app: FastAPI):
            yield


        app = FastAPI(lifespan=lifespan)
        app.include_router(api_router, prefix=settings.API_V1_STR)
        """,
    "shop/wsgi.py": """\
        from flask import Flask

        from shop.legacy import bp

        flask_app = Flask(__name__)
        flask_app.register_blueprint(bp, url_prefix="/legacy")
        """,
    "shop/legacy.py": """\
        from flask import Blueprint

        bp = Blueprint("legacy", __name__, url_prefix="/old")


        @bp.route("/report", methods=["POST"])
        def report():
            return "sent"
        """,
    "shop/api/__init__.py": "",
    "shop/api/deps.py": """\
        from typing import Annotated

        from fastapi import Depends
        from sqlmodel import Session

        from shop.db import get_session

        SessionDep = Annotated[Session, Depends(get_session)]
        """,
    "shop/api/main.py": """\
        from fastapi import APIRouter, FastAPI

        from shop.api.routes import health, items, reports
        from shop.api.routes.admin import create_admin_router

        api_router = APIRouter()
        api_router.include_router(items.router)
        api_router.include_router(health.router, prefix="/health")
        OPTIONAL_ROUTERS = (reports.router,)


        def include_beta(target: APIRouter) -> None:
            from shop.api.routes.beta import router as beta_router

            target.include_router(beta_router)


        include_beta(api_router)


        def install(app: FastAPI) -> None:
            for extra in OPTIONAL_ROUTERS:
                app.include_router(extra, prefix="/extra")
            app.include_router(create_admin_router())
        """,
    "shop/api/routes/beta.py": """\
        from fastapi import APIRouter

        router = APIRouter(prefix="/beta")


        @router.get("/try")
        def try_it():
            return {}
        """,
    "shop/api/routes/common.py": """\
        from fastapi import APIRouter


        class ShopRouter(APIRouter):
            pass
        """,
    "shop/api/routes/admin.py": """\
        from shop.api.routes.common import ShopRouter


        def create_admin_router():
            router = ShopRouter(prefix="/admin")

            @router.get("/stats")
            def stats():
                return {}

            return router
        """,
    "shop/api/routes/reports.py": """\
        from fastapi import APIRouter

        router: APIRouter = APIRouter(prefix="/reports")


        @router.get("/daily")
        def daily():
            return []
        """,
    "shop/openapi.py": """\
        from fastapi import APIRouter

        from shop.api.routes import items

        export = APIRouter()  # for the schema only: no app mounts it
        export.include_router(items.router)
        """,
    "shop/api/routes/__init__.py": "",
    "shop/api/routes/items.py": """\
        from fastapi import APIRouter

        from shop.api.deps import SessionDep
        from shop.services.items import ItemService

        router = APIRouter(prefix="/items", tags=["items"])


        @router.get("/")
        def list_items(session: SessionDep):
            return ItemService(session).list()


        @router.post("/")
        def create_item(session: SessionDep, name: str):
            return ItemService(session).create(name)


        @router.api_route("/{item_id}", methods=["PUT", "PATCH"])
        def replace_item(item_id: int):
            return {"id": item_id}
        """,
    "shop/api/routes/health.py": """\
        from fastapi import APIRouter

        VERSION = "/version"
        router = APIRouter()


        @router.get(VERSION)
        @router.head(VERSION)
        def version():
            return {"version": 1}


        async def ping():
            return "pong"


        router.add_api_route("/ping", ping, methods=["GET"])
        """,
    "shop/api/routes/drafts.py": """\
        from fastapi import APIRouter

        router = APIRouter(prefix="/drafts")


        @router.get("/")
        def drafts():
            return []
        """,
    "shop/services/__init__.py": "",
    "shop/services/items.py": """\
        from sqlmodel import select

        from shop.models import Item


        class ItemService:
            def __init__(self, session):
                self.session = session

            def list(self):
                return self.session.exec(select(Item)).all()

            def create(self, name):
                item = Item(name=name)
                self.session.add(item)
                self.session.commit()
                return item
        """,
    "shop/limits.py": """\
        class RateLimiter:
            def __init__(self):
                self.hits = {}

            def hit(self, key):
                self.hits[key] = self.hits.get(key, 0) + 1


        class HitCounter:
            def __init__(self, client):
                self._redis = client

            def hit(self, key):
                return self._redis.incr(key)
        """,
    "shop/jobs.py": """\
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from celery import Celery, shared_task

        celery_app = Celery("shop")
        scheduler = AsyncIOScheduler()


        @celery_app.task
        def send_receipts():
            return 0


        @shared_task
        def reindex():
            return 0


        def prune():
            return 0


        scheduler.add_job(prune, "interval", minutes=5)
        """,
    "shop/migrations/__init__.py": "",
    "shop/migrations/versions/0001_items.py": """\
        from alembic import op

        revision = "0001"
        down_revision = None


        def upgrade():
            op.create_table("item")
        """,
    "shop/state.py": """\
        from shop.limits import HitCounter, RateLimiter

        login_limiter = RateLimiter()
        page_hits = HitCounter(None)
        """,
}


def shop(root: Path) -> Path:
    return write_tree(root, SHOP)


def mapped(root: Path, *args: str) -> str:
    done = run_truthlint(root, "map", ".", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_text_of_keeps_what_it_cannot_resolve_as_an_expression():
    def text(source: str, constants=None) -> str:
        return text_of(ast.parse(source, mode="eval").body, constants or {})

    assert text('"/items"') == "/items"
    assert text("settings.API_V1_STR") == "{settings.API_V1_STR}"
    assert text('f"{settings.API_V1_STR}/items"') == "{settings.API_V1_STR}/items"
    assert text('PREFIX + "/x"', {"PREFIX": "/api"}) == "/api/x"
    assert text("PREFIX") == "{PREFIX}"


@pytest.mark.slow
def test_routes_have_methods_full_paths_and_handlers(tmp_path):
    text = mapped(shop(tmp_path))
    table = [line for line in text.splitlines() if line.startswith("| ") and ".py:" in line
             and ("`/" in line or "`{" in line)]
    assert table == [
        "| GET | `/admin/stats` | shop/api/routes/admin.py:8 `stats` | — |",  # from a factory
        "| GET | `/drafts/` † | shop/api/routes/drafts.py:7 `drafts` | — |",
        "| GET | `/extra/reports/daily` | shop/api/routes/reports.py:7 `daily` | — |",  # a loop
        "| POST | `/legacy/report` | shop/legacy.py:7 `report` | — |",
        "| GET | `{settings.API_V1_STR}/beta/try` | shop/api/routes/beta.py:7 `try_it` | — |",
        "| GET | `{settings.API_V1_STR}/health/ping` | shop/api/routes/health.py:13 `ping` | — |",
        "| GET | `{settings.API_V1_STR}/health/version` | shop/api/routes/health.py:9 `version` | — |",
        "| HEAD | `{settings.API_V1_STR}/health/version` | shop/api/routes/health.py:9 `version` "
        "| — |",
        "| GET | `{settings.API_V1_STR}/items/` | shop/api/routes/items.py:10 `list_items` | — |",
        "| POST | `{settings.API_V1_STR}/items/` | shop/api/routes/items.py:15 `create_item` | — |",
        "| PATCH, PUT | `{settings.API_V1_STR}/items/{item_id}` | shop/api/routes/items.py:20 "
        "`replace_item` | — |",
    ]
    # items.router is also copied into an OpenAPI export no app mounts: not a second row
    assert ("11 routes; 0 whose handler a rule flags (STI001 writes, SOI004 transactions, SOI005 "
            "owned tables, TBV003 blocking calls); 1 on routers no app mounts as far as "
            "truthlint reads (own path shown, marked †).") in text


@pytest.mark.slow
def test_roles_state_tables_and_priorities(tmp_path):
    root = shop(tmp_path)
    text = mapped(root)
    assert ("| api | route | shop/api/routes/admin.py: declares routes "
            "(`@router.get(\"/stats\")` (line 7)) |") in text
    assert "| services | service | shop/services/__init__.py: named `services` |" in text
    assert "| item | Item (shop/models/__init__.py:4) | shop/services/items.py |" in text
    assert ("| shop/state.py:3 `login_limiter` | per-process | unsafe | module-level "
            "`login_limiter` holds a RateLimiter instance (its name says it keeps state); each "
            "worker enforces its own copy |") in text
    assert ("| shop/state.py:4 `page_hits` | shared | safe | wraps state kept in Redis or the "
            "DB: `HitCounter` (shop/limits.py:9) uses `_redis` (line 11) |") in text
    assert "- service modules: 2 (shop/services/__init__.py, shop/services/items.py)" in text
    assert "| entrypoint | route | 2 |" in text  # main.py and wsgi.py create the apps
    assert "| route | service | 1 |" in text
    assert "| governance | 0 | 0 | — |" in text
    jobs = text.split("### Workers and scheduled jobs\n\n", 1)[1].split("\n\n", 1)[0]
    assert jobs.splitlines() == ["- shop/jobs.py:9 `send_receipts` (`@celery_app.task`)",
                                 "- shop/jobs.py:14 `reindex` (`@shared_task`)",
                                 "- shop/jobs.py:22 `prune` (`scheduler.add_job(...)`)",
                                 "- shop/jobs.py:4 `Celery()` (background work)"]
    # the same map twice is the same bytes; schema migrations only with --all-roots
    assert mapped(root) == text
    assert "| migrations |" not in text
    assert "| migrations | — | — | migration ×2 | 2 | — |" in mapped(root, "--all-roots")
    data = json.loads(mapped(root, "--format", "json"))
    assert data["roles"]["shop/legacy.py"] == {
        "route": 'declares routes (`@bp.route("/report")` (line 6))'}


@pytest.mark.slow
def test_priorities_count_baselined_debt_apart(tmp_path):
    root = shop(tmp_path)
    (root / "shop/models/__init__.py").write_text(
        (root / "shop/models/__init__.py").read_text() + "\nfrom shop.api import deps\n")
    done = run_truthlint(root, "check", "--no-progress", "--write-baseline", "debt.json", ".")
    assert done.returncode == 0, done.stderr
    (root / "shop/services/items.py").write_text(
        (root / "shop/services/items.py").read_text() + "\nfrom shop.api import main\n")
    text = mapped(root, "--baseline", "debt.json")
    row = next(line for line in text.splitlines() if line.startswith("| architecture |"))
    assert row == "| architecture | 4 | 1 | TBV002 ×2, TBV004 ×3 |"  # the new import closes a cycle


CHANGES = {  # an upward import, a route write and a module singleton
    "shop/models/__init__.py": ("\n\nclass Item(",
                                "\nfrom shop.api.routes import drafts\n\n\nclass Item("),
    "shop/api/routes/items.py": (
        "    return ItemService(session).create(name)",
        "    session.add(Item(name=name))\n    return ItemService(session).create(name)"),
    "shop/services/items.py": ("    def create(self, name):\n",
                               "    def create(self, name):\n        _recent.append(name)\n"),
}
EXTRA = {"shop/api/routes/items.py": ("from shop.api.deps",
                                      "from shop.models import Item\nfrom shop.api.deps"),
         "shop/services/items.py": ("\n\nclass ItemService", "\n_recent = []\n\n\nclass ItemService")}
EXPECTED = """\
## truthlint map: what the change did to shop (against {base})

### Layer dependencies

- ➕ L2 → L4: 1 imports
- ➕ L4 → L2: 1 imports ✗ violation

### Role graph

- ➕ model → route: 1 imports (⚠ 1 point up)
- ➕ route → model: 1 imports

### Routes

- ✏️ POST `{{settings.API_V1_STR}}/items/` → shop/api/routes/items.py `create_item`: \
touches — → touches STI001

### Module and class state

- ➕ shop/services/items.py `_recent`: per-process, unknown with several workers

### Table writers

- ➕ item written by shop/api/routes/items.py

### Findings

- ➕ shop/api/routes/items.py STI001 DB write `session.add()` in L2 module shop.api.routes.items
- ➕ shop/models/__init__.py TBV002 shop.models (layer 3 of the order) imports \
shop.api.routes.drafts (layer 1 of the order), but layer 3 of the order may import no other layer
"""


def change(root: Path, which=None) -> None:
    for name in which or CHANGES:
        path = root / name
        text = path.read_text()
        for old, new in (CHANGES[name], EXTRA.get(name, ("", ""))):
            if old:
                assert old in text, (name, old)
                text = text.replace(old, new, 1)
        path.write_text(text)


@pytest.mark.slow
def test_map_diff_shows_what_three_changes_did_and_a_fix_removed(tmp_path):
    root = shop(tmp_path)
    (root / "base.json").write_text(mapped(root, "--format", "json"))
    change(root)
    shown = mapped(root, "--diff", "base.json")
    assert shown == EXPECTED.format(base="base.json")
    # a fix: the singleton goes again; the map against the changed tree shows it removed
    (root / "changed.json").write_text(mapped(root, "--format", "json"))
    path = root / "shop/services/items.py"
    path.write_text(path.read_text().replace("        _recent.append(name)\n", "")
                    .replace("\n_recent = []\n", "\n"))
    assert mapped(root, "--diff", "changed.json") == (
        "## truthlint map: what the change did to shop (against changed.json)\n\n"
        "### Module and class state\n\n"
        "- ➖ shop/services/items.py `_recent`: per-process, unknown with several workers\n")
    assert mapped(root, "--diff", "changed.json") == mapped(root, "--diff", "changed.json")


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    safe = ["-c", "core.fsmonitor=false", "-c", f"core.hooksPath={os.devnull}"]
    return subprocess.run(["git", *safe, *args], cwd=str(root), env=env, check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_map_diff_against_a_git_revision_reads_it_without_touching_the_repository(tmp_path):
    root = shop(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    change(root)
    # what the repository's own configuration asks git to run must never run (the commands
    # the export uses run none of these; the test fails if it ever checks a revision out,
    # adds a worktree or diffs through the repository's configuration)
    planted = tmp_path / "planted"
    git(root, "config", "core.fsmonitor", f"touch {planted}-fsmonitor")
    git(root, "config", "diff.external", f"touch {planted}-diff")
    hooks = root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for hook in ("post-checkout", "post-index-change", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {planted}-{hook}\n")
        (hooks / hook).chmod(0o755)
    status = git(root, "status", "--porcelain")
    index = (root / ".git" / "index").stat().st_mtime_ns
    shown = mapped(root, "--diff", "HEAD")
    assert shown == EXPECTED.format(base="HEAD")
    assert not list(tmp_path.glob("planted*"))
    assert (root / ".git" / "index").stat().st_mtime_ns == index
    assert git(root, "status", "--porcelain") == status
    assert git(root, "worktree", "list").count("\n") == 1
    bad = run_truthlint(root, "map", ".", "--diff", "no-such-revision")
    assert bad.returncode == 2 and "--diff no-such-revision: git rev-parse" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_revision_path_that_leaves_the_copy_is_refused():
    assert _safe("shop/api/main.py")
    for path in ("../x.py", "/etc/x.py", "shop/../../x.py", ".git/hooks/x.py", "a//b.py",
                 "a\\b.py", ""):
        assert not _safe(path), path


@pytest.mark.slow
def test_a_saved_map_that_is_not_one_stops_with_exit_2(tmp_path):
    root = shop(tmp_path)
    (root / "bad.json").write_text('{"entries": []}')
    done = run_truthlint(root, "map", ".", "--diff", "bad.json")
    assert done.returncode == 2
    assert "--diff bad.json: bad.json: not a saved map" in done.stderr
    assert run_truthlint(root, "map", ".", "--diff", "bad.json", "--format", "json").returncode == 2


def test_changed_entries_pair_one_to_one():
    from collections import Counter

    from truthlint.adapters.mapdiff import _changes

    was = Counter({("x.py `cache`", "per-process, unknown"): 2})
    now = Counter({("x.py `cache`", "shared, safe"): 1})
    assert _changes(was, now) == ["- ✏️ x.py `cache`: per-process, unknown → shared, safe",
                                  "- ➖ x.py `cache`: per-process, unknown"]


@pytest.mark.slow
def test_routes_through_routers_that_include_each_other_and_local_routers(tmp_path):
    root = write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'loop'\n",
        "app/__init__.py": "",
        "app/loop.py": """\
            from fastapi import APIRouter, FastAPI

            a = APIRouter(prefix="/a")
            b = APIRouter(prefix="/b")


            @a.get("/x")
            def x():
                return 1


            a.include_router(b, prefix="/p0")
            b.include_router(a, prefix="/q0")
            a.include_router(b, prefix="/p1")
            b.include_router(a, prefix="/q1")


            def make_v1():
                router = APIRouter(prefix="/v1")

                @router.get("/items")
                def items_v1():
                    return 1
                return router


            def make_v2():
                router = APIRouter(prefix="/v2")

                @router.get("/items")
                def items_v2():
                    return 2
                return router


            app = FastAPI()
            app.include_router(make_v1())
            app.include_router(make_v2())


            def create_inner():
                inner = FastAPI()

                @inner.get("/health")
                def health():
                    return 1
                return inner


            def create_outer():
                outer = FastAPI()
                inner = create_inner()  # what the factory made, under its own name
                outer.mount("/api", app=inner)
                return outer
            """,
    })
    rows = [line for line in mapped(root).splitlines() if line.startswith("| GET |")]
    # a router already on the way is not gone through again; each factory's own router
    assert rows == ["| GET | `/api/health` | app/loop.py:45 `health` | — |",
                    "| GET | `/b/q0/a/x` † | app/loop.py:8 `x` | — |",
                    "| GET | `/b/q1/a/x` † | app/loop.py:8 `x` | — |",
                    "| GET | `/v1/items` | app/loop.py:22 `items_v1` | — |",
                    "| GET | `/v2/items` | app/loop.py:31 `items_v2` | — |"]


@pytest.mark.slow
def test_state_and_writers_read_what_the_code_hands_over(tmp_path):
    root = write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'st'\n",
        "app/__init__.py": "",
        "app/models.py": """\
            from sqlmodel import Field, SQLModel


            class User(SQLModel, table=True):
                id: int = Field(default=None, primary_key=True)
            """,
        "app/report.py": """\
            from app.models import User


            def names(rows):
                seen = set()
                for row in rows:
                    seen.add(User(id=row))
                return seen
            """,
        "app/limits.py": """\
            from slowapi import Limiter

            limiter = Limiter(key_func=str, storage_uri="memory://")
            shared_limiter = Limiter(key_func=str, storage_uri="redis://cache:6379")
            """,
    })
    text = mapped(root)
    assert "| user | User (app/models.py:4) | — |" in text  # a set's add() writes no table
    assert ("| app/limits.py:3 `limiter` | per-process | unsafe |") in text
    assert ("| app/limits.py:4 `shared_limiter` | shared | safe | wraps state kept in Redis or "
            "the DB: `Limiter(...)` is given `redis://…` |") in text


@pytest.mark.slow
def test_a_saved_map_of_odd_shape_is_read_or_refused_cleanly(tmp_path):
    root = shop(tmp_path)
    (root / "odd.json").write_text(json.dumps({"root": "shop", "state": {"tables": [
        {"table": "item", "writers": 5}, {"table": "x", "writers": "abc"}]}, "items": [[1]]}))
    odd = run_truthlint(root, "map", ".", "--diff", "odd.json")
    assert odd.returncode == 0 and "Traceback" not in odd.stderr
    assert "- ➕ item written by shop/services/items.py" in odd.stdout
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    deep = run_truthlint(root, "map", ".", "--diff", "deep.json")
    assert deep.returncode == 2 and "not a saved map" in deep.stderr
    (root / "debt.json").write_text("[]")
    listed = run_truthlint(root, "map", ".", "--baseline", "debt.json")
    assert listed.returncode == 2 and "not a truthlint baseline" in listed.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_map_diff_against_revisions_where_the_project_differs(tmp_path):
    # the repository's top is the package root; a directory added since; a missing blob
    top = tmp_path / "app"
    write_tree(top, {"__init__.py": "", "main.py": (
        'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/a")\ndef a():\n    return 1\n')})
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "base")
    assert mapped(top, "--diff", "HEAD") == (
        "## truthlint map: what the change did to app (against HEAD)\n\nNo change to the map.\n")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "pyproject.toml").write_text('[tool.truthlint]\nlayer-preset = "seed"\n')
    cache = tmp_path / "cache"
    done = run_truthlint(top, "map", ".", "--diff", "HEAD",
                         env={"TMPDIR": str(tmp_path / "tmp"), "TRUTHLINT_CACHE_DIR": str(cache)})
    assert done.stdout.endswith("No change to the map.\n")  # nothing above the copy is read
    kept = sorted(p.name for p in cache.rglob("*") if p.is_file())
    again = run_truthlint(top, "map", ".", "--diff", "HEAD",
                          env={"TRUTHLINT_CACHE_DIR": str(cache)})
    assert again.returncode == 0 and sorted(p.name for p in cache.rglob("*")
                                            if p.is_file()) == kept  # the base left nothing
    write_tree(top, {"extra/__init__.py": "", "extra/api.py": (
        'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/b")\n'
        'def b():\n    return 2\n')})
    added = run_truthlint(top, "map", "extra", "--diff", "HEAD")
    assert added.returncode == 0, added.stderr
    assert added.stdout == ("## truthlint map: what the change did to app (against HEAD)\n\n"
                            "### Routes\n\n- ➕ GET `/b` → app/extra/api.py `b`: touches —\n")
    blob = git(top, "rev-parse", "HEAD:main.py").strip()
    (top / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    missing = run_truthlint(top, "map", ".", "--diff", "HEAD")
    assert missing.returncode == 2 and "git could not read main.py" in missing.stderr
