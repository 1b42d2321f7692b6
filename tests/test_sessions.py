"""Session kinds followed across modules: the references a summary stores and what the
project index resolves them to (the fixture trees fastapi/ and flaskish/ show the findings)."""

from __future__ import annotations

import sys
import textwrap

import pytest

from truthlint.core.config import build_config
from truthlint.core.files import FileSystem
from truthlint.engine.check import Engine
from truthlint.project.index import ABSENT, ProjectIndex
from truthlint.project.summaries import summarize_file


def _tree(tmp_path, files):
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    root = tmp_path / "app"
    config = build_config(None, str(tmp_path))
    return ProjectIndex(str(root), config, FileSystem(), None, summarize_file).build()


DB = """\
    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import Session, scoped_session, sessionmaker
    from typing import Annotated
    from fastapi import Depends

    engine = create_engine("sqlite://")
    SessionLocal = sessionmaker(bind=engine)
    AsyncLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
    registry = scoped_session(SessionLocal)

    def get_db():
        with SessionLocal() as session:
            yield session

    def make_session():
        return Session(engine)

    def not_a_provider():
        return len(list(get_db()))

    def plain():
        return 1

    SessionDep = Annotated[Session, Depends(get_db)]
    Indirect = Annotated[SessionDep, "doc"]
    """


@pytest.fixture
def index(tmp_path):
    return _tree(tmp_path, {
        "app/__init__.py": "from app.db import SessionDep as Renamed\n",
        "app/db.py": DB,
        "app/deps.py": "from app.db import SessionDep\n",
    })


@pytest.mark.parametrize("reference, kind", [
    ("=T:app.db.SessionDep", "sync"),
    ("=T:app.db.Indirect", "sync"),          # an alias of an alias
    ("=T:app.deps.SessionDep", "sync"),      # a re-export
    ("=C:app.db.SessionLocal", "sync"),      # a factory
    ("=C:app.db.AsyncLocal", "async"),
    ("=C:app.db.get_db", "sync"),            # a provider that yields
    ("=C:app.db.make_session", "sync"),      # a provider that returns
    ("=E:app.db.engine", "sync"),            # an engine: .connect() gives a connection
    ("=S:app.db.registry", "sync"),          # a scoped_session is a session itself
    ("=C:app.db.registry", "sync"),          # ... and a factory
])
def test_references_resolve_to_their_kind(index, reference, kind):
    assert index.session_kind(reference) == (kind, reference[3:].replace("deps", "db"))


@pytest.mark.parametrize("reference, answer", [
    ("=C:app.db.not_a_provider", None),      # defined, and not a session
    ("=C:app.db.plain", (ABSENT, "app.db.plain")),  # too plain to be recorded: a guess decides
    ("=T:app.db.SessionLocal", None),        # a factory is no session type
    ("=E:app.db.SessionLocal", None),
    ("=T:app.db.nothing_here", (ABSENT, "app.db.nothing_here")),  # the index cannot tell
    ("=T:app.elsewhere.SessionDep", (ABSENT, "app.elsewhere.SessionDep")),
])
def test_references_that_are_no_session_or_unknown(index, reference, answer):
    assert index.session_kind(reference) == answer


def test_a_re_export_under_another_name_is_followed_by_its_import(index):
    # ``from app.db import SessionDep as Renamed``: the summary records the imported name
    assert index.session_kind("=T:app.SessionDep") == ("sync", "app.db.SessionDep")


def test_alias_loops_stop(tmp_path):
    index = _tree(tmp_path, {
        "app/__init__.py": "",
        "app/a.py": "from app.b import X\n",
        "app/b.py": "from app.a import X\n",
    })
    assert index.session_kind("=T:app.a.X") is None


def _findings(tmp_path, files, target):
    _tree(tmp_path, files)
    engine = Engine(codes=["STI001", "TBV003"])
    path = tmp_path / target
    return [(f.line, f.code) for f in engine.check_source(path.read_text(), str(path))]


def test_a_session_attribute_set_in_a_base_class_of_another_module(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/base.py": """\
            from sqlalchemy.orm import Session

            class Repository:
                def __init__(self, session: Session):
                    self.session = session
            """,
        "app/repo.py": """\
            from app.base import Repository

            class Items(Repository):
                async def count(self):
                    return self.session.execute("SELECT count(*) FROM item")
            """,
    }, "app/repo.py")
    assert found == [(5, "TBV003")]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the `type` statement is Python 3.12+")
def test_a_type_statement_alias(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/deps.py": """\
            from typing import Annotated
            from fastapi import Depends
            from sqlalchemy.orm import Session
            type DB = Annotated[Session, Depends(object)]
            """,
        "app/routes.py": """\
            from fastapi import APIRouter
            from app.deps import DB
            router = APIRouter()
            @router.get("/")
            async def read(db: DB):
                return db.execute("SELECT 1")
            """,
    }, "app/routes.py")
    assert found == [(6, "TBV003")]


def test_a_dependency_defined_below_its_use(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/routes.py": """\
            from fastapi import APIRouter, Depends
            from sqlalchemy.orm import Session
            router = APIRouter()

            @router.get("/")
            async def read(db=Depends(get_db)):
                return db.execute("SELECT 1")

            def get_db():
                with Session() as session:
                    yield session
            """,
    }, "app/routes.py")
    assert found == [(7, "TBV003")]


def test_litestar_and_registered_handlers_are_routes(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/routes.py": """\
            from litestar import post
            from sqlalchemy.orm import Session
            from starlette.routing import Route

            @post("/a")
            def create(session: Session):
                session.add(1)

            def other(session: Session):
                session.add(2)

            def helper(session: Session):
                session.add(3)

            routes = [Route("/b", other)]
            """,
    }, "app/routes.py")
    assert found == [(7, "STI001"), (10, "STI001")]


def test_a_provider_known_by_its_return_annotation(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/deps.py": """\
            from typing import Iterator
            from sqlalchemy.orm import Session

            def get_db() -> Iterator[Session]:
                yield make_session()
            """,
        "app/routes.py": """\
            from fastapi import APIRouter, Depends
            from app.deps import get_db
            router = APIRouter()

            @router.get("/")
            async def read(db=Depends(get_db)):
                return db.execute("SELECT 1")
            """,
    }, "app/routes.py")
    assert found == [(7, "TBV003")]


def test_a_method_reached_through_a_package_re_export(tmp_path):
    found = _findings(tmp_path, {
        "app/__init__.py": "",
        "app/services/__init__.py": "from .items import ItemService\n",
        "app/services/items.py": """\
            from sqlalchemy.orm import Session

            class ItemService:
                def __init__(self, session: Session):
                    self.session = session

                def names(self):
                    return self.session.execute("SELECT name FROM item").all()
            """,
        "app/routes.py": """\
            from sqlalchemy.orm import Session
            from app.services import ItemService

            async def names(session: Session):
                return ItemService(session).names()
            """,
    }, "app/routes.py")
    assert found == [(5, "TBV003")]


def test_a_session_opened_from_an_imported_factory_owns_its_transaction(tmp_path):
    _tree(tmp_path, {
        # owners declared: SOI004 judges a module no role places (app/ledger.py)
        "pyproject.toml": '[tool.truthlint]\ntransaction-owners = ["app.services"]\n',
        "app/__init__.py": "",
        "app/db.py": "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n",
        "app/ledger.py": """\
            from app.db import SessionLocal

            def nightly():
                with SessionLocal() as session:
                    session.commit()

            def borrowed(session=SessionLocal()):
                session.commit()
            """,
    })
    engine = Engine(codes=["SOI004"])
    path = tmp_path / "app/ledger.py"
    assert [(f.line, f.code) for f in engine.check_source(path.read_text(), str(path))] == [(8, "SOI004")]


def test_a_script_outside_every_package_is_judged_without_a_summary(tmp_path, caplog):
    """A file no package root holds has no module, so no summary is collected for it: TBV003
    still flags what blocks in its coroutines, and nothing fails (the self-check's scripts)."""
    script = tmp_path / "tool.py"
    source = textwrap.dedent("""\
        import time


        def helper():
            return 1


        async def main():
            helper()
            time.sleep(1)
        """)
    script.write_text(source)
    with caplog.at_level("WARNING", logger="truthlint"):
        found = Engine(codes=["TBV003"]).check_source(source, str(script))
    assert [(f.line, f.code) for f in found] == [(10, "TBV003")]
    assert "failed" not in caplog.text
