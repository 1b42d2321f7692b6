"""What well-known library calls do. Rules look things up here instead of keeping private lists."""

from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, Optional, Tuple

from ..core.names import dotted, last_name

DB = "opens a DB connection"
DB_INIT = "initialises the database"
NETWORK = "talks to the network"
SDK = "creates an SDK client"
THREAD = "starts a thread or process"
PROCESS = "runs a subprocess"
FILE = "reads a file"
WRITE = "writes a file"
LOOP = "runs an event loop or server"
CUSTOM = "is listed in side-effect-calls"

_CATALOGUE: Dict[str, Tuple[str, ...]] = {
    DB: (
        "sqlite3.connect", "psycopg.connect",
        "psycopg2.connect", "psycopg.AsyncConnection.connect", "asyncpg.connect",
        "asyncpg.create_pool", "pymysql.connect", "MySQLdb.connect", "aiosqlite.connect",
        "duckdb.connect",
        "cx_Oracle.connect", "oracledb.connect",
    ),
    NETWORK: (
        "requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete",
        "requests.head", "requests.request", "urllib.request.urlopen", "httpx.get", "httpx.post",
        "httpx.request", "boto3.client", "boto3.resource", "pika.BlockingConnection",
        "kafka.KafkaProducer", "kafka.KafkaConsumer", "socket.create_connection",
        "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient",
    ),
    SDK: ("google.cloud.storage.Client",),
    PROCESS: (
        "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
        "subprocess.Popen", "os.system", "os.popen",
    ),
    FILE: (
        "open", "io.open", "json.load", "pickle.load", "yaml.load", "yaml.safe_load",
        "yaml.full_load", "tomllib.load", "tomli.load", "toml.load", "pandas.read_csv",
        "pandas.read_json", "pandas.read_parquet", "pandas.read_excel",
    ),
    LOOP: ("asyncio.run", "uvicorn.run"),
    THREAD: ("multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.pool.ThreadPool"),
    WRITE: ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
            "shutil.rmtree"),
    DB_INIT: ("alembic.command.upgrade", "alembic.command.downgrade", "alembic.command.stamp"),
}

SIDE_EFFECTS: Dict[str, str] = {name: effect for effect, names in _CATALOGUE.items() for name in names}

# Constructors that build a client or an engine without any I/O: the pool connects, the
# client sends, on first use. A module-level `engine = create_engine(url)` is SQLAlchemy's
# and FastAPI's documented idiom, not import-time work; what it is used for may be.
LAZY_CLIENTS = frozenset({
    "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
    "redis.StrictRedis.from_url", "redis.asyncio.Redis", "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url", "aioredis.from_url", "aioredis.Redis",
    "httpx.Client", "httpx.AsyncClient", "requests.Session", "urllib3.PoolManager",
    "aiohttp.ClientSession", "elasticsearch.Elasticsearch", "grpc.insecure_channel",
    "grpc.secure_channel", "hvac.Client", "pymemcache.client.base.Client", "nats.connect",
    "anthropic.Anthropic", "anthropic.AsyncAnthropic", "openai.OpenAI", "openai.AsyncOpenAI",
    "openai.AzureOpenAI", "stripe.StripeClient",
})

# Called by name whatever their module: the seed's own import-time offender.
BY_NAME: Dict[str, str] = {"init_db": DB_INIT}

# what builds the app a server imports (an ASGI/WSGI module is never "just a script")
APP_FACTORIES = frozenset({"FastAPI", "Flask", "Starlette", "Quart", "Litestar", "Sanic",
                           "get_asgi_application", "get_wsgi_application", "create_app",
                           "make_app", "App", "Celery"})

THREAD_TYPES = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process"})
# pools that start a thread per task: building one is lazy, ``submit``/``map`` is not
EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor",
                       "concurrent.futures.ProcessPoolExecutor"})

# Factories whose results are per-process by design (connection pools, clients): a lazy
# global holding one is not the per-process *state* SOI002 is about.
CLIENT_FACTORIES = frozenset(SIDE_EFFECTS) | LAZY_CLIENTS | frozenset({
    "sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlmodel.Session", "sqlalchemy.orm.scoped_session",
})

# Module-level objects that are stateless, immutable or conventional (SOI002 must not flag).
STATELESS_NAMES: FrozenSet[str] = frozenset({
    "Path", "PurePath", "PosixPath", "Decimal", "Fraction", "UUID", "datetime", "date", "time",
    "timedelta", "timezone", "ZoneInfo", "TypeVar", "ParamSpec", "TypeVarTuple", "NewType",
    "ContextVar", "NamedTuple", "TypedDict", "Enum", "IntEnum", "StrEnum", "Flag",
    "APIRouter", "FastAPI", "Flask", "Blueprint", "Starlette", "Router", "Celery",
    "Jinja2Templates", "StaticFiles", "OAuth2PasswordBearer", "HTTPBearer", "HTTPBasic",
    "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "CryptContext", "Lock", "RLock",
    "Semaphore", "BoundedSemaphore", "MetaData", "Table", "DeclarativeBase", "Settings",
    "BaseSettings", "Environment", "FileSystemLoader", "Logger", "Console",
    # per-process by nature: nothing to share between workers
    "Event", "Condition", "Queue", "LifoQueue", "PriorityQueue", "ThreadPoolExecutor",
    "ProcessPoolExecutor", "CapacityLimiter", "LocalProxy", "local", "WeakSet",
})
# module containers whose names say they hold what only makes sense in one process (locks,
# tasks, threads, connections, live sockets, loggers, clients) or what every process fills
# the same way (registries, plugins, handlers): not state to share
PER_PROCESS_WORDS = ("lock", "task", "thread", "socket", "connection", "conn", "client",
                     "logger", "executor", "pool", "semaphore", "listener", "subscriber",
                     "handler", "callback", "registry", "registered", "plugin", "hook",
                     "loop", "future", "watcher", "signal", "engine", "factory", "ws",
                     "websocket")
# flags that record one-time work done in this process (it is done once in every process)
ONCE_WORDS = ("init", "initialized", "initialised", "setup", "started", "start", "loaded",
              "configured", "registered", "ready", "done", "ran", "warned", "installed",
              "patched", "booted")
STATELESS_MODULES = ("prometheus_client.", "logging.", "structlog.", "re.", "typing.",
                     "opentelemetry.")

# Imported classes whose names say they hold state between calls.
STATEFUL_WORDS = ("Limiter", "Tracker", "Cache", "Registry", "Counter", "Buffer", "Breaker",
                  "Bucket", "Accumulator", "Aggregator", "Throttler", "Throttle")
# classes that describe data rather than implement behaviour (ORM models, schemas, DTOs,
# enums, column types, GraphQL types): two of them with one name are a model and its schema,
# not a legacy/new pair of implementations
DATA_BASES = frozenset({
    "BaseModel", "RootModel", "SQLModel", "BaseSettings", "TypedDict", "NamedTuple", "Enum",
    "IntEnum", "StrEnum", "Flag", "IntFlag", "Base", "DeclarativeBase", "DeclarativeBaseNoMeta",
    "Model", "TypeDecorator", "UserDefinedType", "Schema", "SQLAlchemySchema",
    "SQLAlchemyAutoSchema", "ModelSchema", "Struct", "Serializer", "ModelSerializer",
    "Exception", "BaseException", "Protocol",
})
DATA_DECORATORS = frozenset({"dataclass", "type", "input", "interface", "enum", "s", "define",
                             "frozen", "attrs", "dataclass_json", "pydantic_dataclass"})
DATA_SUFFIXES = ("Model", "Schema", "Response", "Request", "DTO", "Dto", "Input", "Output",
                 "Payload", "Type", "Config", "Settings", "Params", "Args", "Event", "Error",
                 "Exception", "Enum", "Table", "Row", "Record", "Data", "Info", "Spec", "Result")
STATEFUL_PREFIXES = ("InMemory", "Memory", "Local")

MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault",
    "add", "discard", "appendleft", "extendleft", "popleft", "rotate", "sort", "reverse",
    "difference_update", "intersection_update", "symmetric_difference_update", "move_to_end",
})
CONTAINER_FACTORIES = frozenset({
    "dict", "list", "set", "collections.defaultdict", "collections.OrderedDict",
    "collections.deque", "collections.Counter", "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary", "weakref.WeakSet",
})


def side_effect(call: ast.Call, qualname: Optional[str],
                extra: FrozenSet[str] = frozenset()) -> Optional[str]:
    """The effect of running ``call`` (a phrase for messages), or None if it is harmless."""
    name = last_name(call.func)
    if qualname is not None:
        effect = SIDE_EFFECTS.get(qualname)
        if effect == FILE and qualname in ("open", "io.open") and _writes(call):
            return WRITE
        if effect:
            return effect
        if extra and (qualname in extra or name in extra
                      or any(qualname.endswith("." + e) for e in extra)):
            return CUSTOM
    if name in BY_NAME:
        return BY_NAME[name]
    if name == "create_all" and isinstance(call.func, ast.Attribute):
        receiver = dotted(call.func.value) or ""
        if receiver.split(".")[-1].lower() == "metadata":
            return DB_INIT
    return None


def _writes(call: ast.Call) -> bool:
    """``open(path, "wb")``, ``open(path, mode="a")``: the mode says it writes."""
    mode = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(
        c in mode.value for c in "wax+")


# where a package finds the data it ships with
RESOURCE_CALLS = frozenset({"files", "resource_filename", "resource_string", "resource_stream",
                            "get_data", "open_text", "open_binary", "read_binary"})


def reads_own_data(function: ast.AST) -> bool:
    """A function that builds paths from ``__file__`` or package resources reads the data
    the package ships, not the world."""
    return any((isinstance(n, ast.Name) and n.id == "__file__")
               or (isinstance(n, ast.Call) and last_name(n.func) in RESOURCE_CALLS)
               for n in ast.walk(function))


def is_thread_start(call: ast.Call, qualify: Callable[[ast.AST], Optional[str]]) -> bool:
    """``threading.Thread(...).start()``."""
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "start"
            and isinstance(func.value, ast.Call) and qualify(func.value.func) in THREAD_TYPES)
