"""Settings: one schema read from ``[tool.truthlint]`` and from ``--truthlint-*`` flake8 options.

The schema below is the single place a setting is declared: its type, default and help text.
The flake8 adapter registers its options from it, and the README's configuration reference
is checked against it.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, FrozenSet, Mapping, NamedTuple, Optional, Tuple

from .contracts import Contract, find as find_contract, order_layers
from .files import load_toml, read_regular, walk
from .patterns import normalize, normalize_per_file


# The seed preset: the layer map of the one audited backend truthlint was written from. It is
# a layout a project may choose (``layer-preset = "seed"``), not a default: without declared
# layers there are no layer opinions (RULES.md, revision 2).
SEED_LAYER_MAP: Dict[str, int] = {
    **dict.fromkeys(("api", "routes", "routers", "endpoints", "views"), 2),
    **dict.fromkeys(("contracts", "events", "planner", "planners", "skills", "adapters"), 3),
    **dict.fromkeys(
        (
            "agents", "auth", "costsim", "discovery", "integrations", "learning", "optimization",
            "policy", "predictions", "routing", "schemas", "workflow", "services", "domain",
        ),
        4,
    ),
    **dict.fromkeys(("jobs", "tasks", "worker", "workers"), 5),
    **dict.fromkeys(
        (
            "config", "data", "memory", "middleware", "models", "observability", "secrets",
            "security", "storage", "stores", "db.py", "database", "core",
        ),
        6,
    ),
}

# Which layers a layer may import, wherever layers are declared (the seed's dependency map).
DEFAULT_ALLOWED_IMPORTS: Dict[int, FrozenSet[int]] = {
    2: frozenset({3, 4, 6}),
    3: frozenset({4, 6}),
    4: frozenset({3, 6}),
    5: frozenset({3, 4, 6}),
    6: frozenset(),
}

PRESETS: Dict[str, Dict[str, int]] = {"seed": SEED_LAYER_MAP}

LAYER_RE = re.compile(r"^L([1-8])(?:\.\d+)?[a-z]?$", re.IGNORECASE)


CACHE_ENV = "TRUTHLINT_CACHE_DIR"  # where the caches go, chosen by the user, not the tree


def cache_place(directory: str, base: str) -> Optional[str]:
    """Why a cache directory a project's own files chose is refused, or None when it is
    fine: it must lie inside the project (``base``) and not behind a symbolic link, so a
    checked-out tree cannot make truthlint write elsewhere."""
    full, top = os.path.abspath(directory), os.path.abspath(base)
    if full != top and not full.startswith(top.rstrip(os.sep) + os.sep):
        return f"{directory} is outside the project ({top})"
    current = full
    while current != top and len(current) > len(top):
        if os.path.islink(current):
            return f"{current} is a symbolic link"
        current = os.path.dirname(current)
    return None


def default_cache(project: str) -> Optional[str]:
    """The cache directory of a project without a configuration file: the environment's
    choice, else ``<project>/.truthlint_cache`` unless a link was planted there (then none)."""
    chosen = user_cache_dir()
    if chosen is not None:
        return chosen or None
    directory = os.path.join(project, ".truthlint_cache")
    return None if cache_place(directory, project) else directory


def user_cache_dir() -> Optional[str]:
    """The cache directory the environment names (``TRUTHLINT_CACHE_DIR``; empty: none), or
    None when it names none."""
    chosen = os.environ.get(CACHE_ENV)
    return None if chosen is None else os.path.abspath(chosen) if chosen else ""


class ConfigError(Exception):
    """Bad configuration: carries the file and the key so the message can name both."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: key '{key}': {problem}")
        self.source = source
        self.key = key
        self.problem = problem


def parse_layer(value: Any, source: str, key: str) -> int:
    """``"L2"``, ``"L2a"``, ``"L3.5"`` -> the layer digit."""
    if isinstance(value, str):
        match = LAYER_RE.match(value.strip())
        if match:
            return int(match.group(1))
    raise ConfigError(source, key, f"expected a layer L1..L8 like \"L2\" or \"L3.5\", got {value!r}")


def _preset(value: Any, source: str, key: str) -> str:
    if not isinstance(value, str) or (value and value not in PRESETS):
        known = ", ".join(f'"{name}"' for name in PRESETS)
        raise ConfigError(source, key, f"expected one of {known} or \"\", got {value!r}")
    return value


def _str_list(value: Any, source: str, key: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, key, f"expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _bool(value: Any, source: str, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    raise ConfigError(source, key, f"expected true or false, got {value!r}")


def _pairs(value: Any, source: str, key: str) -> Dict[str, Any]:
    """A TOML table, or the flake8 form ``name=value, name=value``."""
    if isinstance(value, dict):
        return dict(value)
    items = _str_list(value, source, key)
    table: Dict[str, Any] = {}
    for item in items:
        name, sep, val = item.partition("=")
        if not sep or not name or not val:
            raise ConfigError(source, key, f"expected name=value pairs, got {item!r}")
        table[name.strip()] = val.strip()
    return table


def _layer_map(value: Any, source: str, key: str) -> Dict[str, int]:
    table = _pairs(value, source, key)
    result = {}
    for name, layer in table.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(source, key, f"bad directory name {name!r}")
        result[name.strip("/")] = parse_layer(layer, source, f"{key}.{name}")
    return result


def _layer_lists(value: Any, source: str, key: str) -> Dict[int, Tuple[Tuple[str, ...], str]]:
    """``{"L2": ["a", "b"]}`` (or the flake8 form ``L2=a|b``) -> {2: (("a", "b"), "key.L2")}."""
    result = {}
    for name, targets in _pairs(value, source, key).items():
        if isinstance(targets, str):
            targets = [t for t in re.split(r"[|\s]+", targets) if t]
        where = f"{key}.{name}"
        result[parse_layer(name, source, key)] = (_str_list(targets, source, where), where)
    return result


def _allowed_imports(value: Any, source: str, key: str) -> Dict[int, FrozenSet[int]]:
    return {layer: frozenset(parse_layer(t, source, where) for t in targets)
            for layer, (targets, where) in _layer_lists(value, source, key).items()}


def _path(value: Any, source: str, key: str) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise ConfigError(source, key, f"expected a path string, got {value!r}")
    return value


def _denied_imports(value: Any, source: str, key: str) -> Dict[int, Tuple[str, ...]]:
    return {layer: targets for layer, (targets, _) in _layer_lists(value, source, key).items()}


def _per_file(value: Any, source: str, key: str) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """``{"app/legacy/*" = ["STI006"]}`` (TOML), or flake8's ``pattern:codes pattern:codes``."""
    if isinstance(value, dict):
        pairs = [(pattern, _str_list(codes, source, f"{key}.{pattern}"))
                 for pattern, codes in value.items()]
    else:
        pairs = []
        for item in _str_list(value, source, key) if not isinstance(value, str) else \
                [value]:
            for chunk in re.split(r"\s+(?=[^\s:]+:)", item.strip()):
                pattern, sep, codes = chunk.partition(":")
                if not sep or not pattern.strip() or not codes.strip():
                    raise ConfigError(source, key, f"expected pattern:codes pairs, got {chunk!r}")
                pairs.append((pattern.strip(), _str_list(codes, source, key)))
    for pattern, codes in pairs:
        if not codes or not all(CODE_PREFIX_RE.match(c) for c in codes):
            raise ConfigError(source, f"{key}.{pattern}",
                              f"expected codes or prefixes like STI006 or TBV, got {list(codes)!r}")
    return tuple(pairs)


CODE_PREFIX_RE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
parse_list, parse_per_file = _str_list, _per_file  # for the adapters that read flake8's files


ROLE_NAMES = ("route", "service", "repository", "unit of work", "worker", "model", "schema",
              "entrypoint", "script", "configuration")


def _roles(value: Any, source: str, key: str) -> Dict[str, str]:
    table = _pairs(value, source, key)
    for name, role in table.items():
        if role not in ROLE_NAMES:
            raise ConfigError(source, f"{key}.{name}",
                              f"expected one of {', '.join(ROLE_NAMES)}, got {role!r}")
    return {name.strip("/"): role for name, role in table.items()}


def _owners(value: Any, source: str, key: str) -> Dict[str, str]:
    table = _pairs(value, source, key)
    for name, module in table.items():
        if not isinstance(module, str) or not re.fullmatch(r"[\w.]+", module):
            raise ConfigError(source, f"{key}.{name}",
                              f"expected a dotted module name, got {module!r}")
    return table


class Setting(NamedTuple):  # (NamedTuple, not dataclass: a third of the import time)
    key: str
    parse: Callable[[Any, str, str], Any]
    default: Any
    help: str
    example: str


SETTINGS: Tuple[Setting, ...] = (
    Setting("roots", _str_list, (),
            "Package root directories, relative to the configuration file. Default: detected "
            "(the topmost directory with an __init__.py below the project directory).",
            'roots = ["app"]'),
    Setting("layers", _layer_map, {},
            "Directory (first path component under a root, or a longer relative path) to layer. "
            "Merged over the preset's map, if one is chosen. No layers are declared by default.",
            '[tool.truthlint.layers]\nintegrations = "L3"'),
    Setting("layer-order", _str_list, (),
            "The layers top first, as import-linter's layers contract lists them (`a | b` for "
            "two packages in one layer): each may import only those below it (TBV002). "
            "`truthlint init` writes it.",
            'layer-order = ["api", "services | jobs", "models"]'),
    Setting("layer-preset", _preset, "",
            "A named layer map to start from: \"seed\", the layout of the audited backend "
            "truthlint was written from (api/ L2, services/ L4, worker/ L5, models/ L6 …). "
            "Default: none.",
            'layer-preset = "seed"'),
    Setting("allowed-imports", _allowed_imports, {},
            "Layer to the layers it may import. Merged over the default matrix.",
            '[tool.truthlint.allowed-imports]\nL4 = ["L3", "L6"]'),
    Setting("side-effect-calls", _str_list, (),
            "Extra calls that do work when run at import time (dotted or bare names).",
            'side-effect-calls = ["app.bootstrap.warm_cache", "connect_broker"]'),
    Setting("stateless-types", _str_list, (),
            "Extra class names whose module-level instances are not per-process state.",
            'stateless-types = ["PlannerClient", "app.core.Settings"]'),
    Setting("session-names", _str_list, ("session", "db", "db_session"),
            "Variable names always taken to be a DB session.",
            'session-names = ["session", "db"]'),
    Setting("transaction-owners", _str_list, (),
            "Packages (relative to the root, or full dotted names) or layers (L4) that may call "
            "commit()/rollback()/begin() on a session, besides the roles that own transactions "
            "(SOI004).",
            'transaction-owners = ["billing", "app.db"]'),
    Setting("denied-imports", _denied_imports, {},
            "Layer to module prefixes (usually third-party) it may not import.",
            '[tool.truthlint.denied-imports]\nL2 = ["redis", "sqlalchemy.orm"]'),
    Setting("owners", _owners, {},
            "Model class to the module that owns its writes (turns on SOI005).",
            '[tool.truthlint.owners]\nKillSwitchState = "app.services.guard_write_service"'),
    Setting("roles", _roles, {},
            "Directory or file (relative to the root, as `layers` keys) to the role its modules "
            "have, over what truthlint infers: route, service, repository, unit of work, "
            "worker, model, schema, entrypoint, script, configuration (SOI004).",
            '[tool.truthlint.roles]\n"app/legacy" = "service"'),
    Setting("advisory-packages", _str_list, ("predictions",),
            "Packages (relative to the root, or dotted) whose strings must not use "
            "authoritative wording (STI011).",
            'advisory-packages = ["predictions", "insights"]'),
    Setting("authoritative-words", _str_list,
            ("confirmed", "guaranteed", "certain", "definitely", "will fail", "will occur",
             "must happen", "detected root cause"),
            "Words and phrases STI011 flags in advisory packages (whole words, any case).",
            'authoritative-words = ["confirmed", "guaranteed"]'),
    Setting("check-comments", _bool, False,
            "Also check comments for authoritative wording (STI011).",
            "check-comments = true"),
    Setting("cache-dir", _path, ".truthlint_cache",
            "Where the project index is cached, relative to the configuration file; an empty "
            "value turns the cache off.",
            'cache-dir = ".cache/truthlint"'),
    Setting("exclude", _str_list, (),
            "Files and directories not to check, as flake8's `exclude`: fnmatch patterns, a "
            "name anywhere or a path relative to this file (both entry points).",
            'exclude = ["app/legacy", "*_pb2.py"]'),
    Setting("extend-exclude", _str_list, (),
            "More patterns to exclude, added to `exclude`.",
            'extend-exclude = ["generated"]'),
    Setting("per-file-ignores", _per_file, (),
            "Codes (or prefixes) not reported for files matching a pattern, as flake8's "
            "`per-file-ignores` (both entry points).",
            '[tool.truthlint.per-file-ignores]\n"app/legacy/*" = ["STI006", "TBV"]'),
    Setting("namespace-packages", _str_list, (),
            "Directories under a root that are deliberately namespace packages (no STI006).",
            'namespace-packages = ["app/plugins"]'),
)

SETTINGS_BY_KEY: Dict[str, Setting] = {s.key: s for s in SETTINGS}


TABLES = ("layers", "allowed-imports", "denied-imports", "owners", "roles")


class Config(NamedTuple):
    """Resolved settings for one project (one configuration file)."""

    source: Optional[str] = None
    base_dir: str = "."
    roots: Tuple[str, ...] = ()
    # (the default tables are shared by every default Config: nothing mutates a Config)
    layer_map: Mapping[str, int] = {}
    allowed_imports: Mapping[int, FrozenSet[int]] = DEFAULT_ALLOWED_IMPORTS
    denied_imports: Mapping[int, Tuple[str, ...]] = {}
    owners: Mapping[str, str] = {}
    roles: Mapping[str, str] = {}      # declared roles by layer-map-style key
    side_effect_calls: FrozenSet[str] = frozenset()
    stateless_types: FrozenSet[str] = frozenset()
    session_names: FrozenSet[str] = frozenset(SETTINGS_BY_KEY["session-names"].default)
    transaction_owners: Tuple[str, ...] = SETTINGS_BY_KEY["transaction-owners"].default
    namespace_packages: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()      # normalized (see core.patterns)
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()  # normalized patterns
    advisory_packages: Tuple[str, ...] = SETTINGS_BY_KEY["advisory-packages"].default
    authoritative_words: Tuple[str, ...] = SETTINGS_BY_KEY["authoritative-words"].default
    check_comments: bool = False
    cache_dir: Optional[str] = None
    # where each table entry came from, for messages: {"layers": {"api": "… [tool.truthlint.layers]"}}
    provenance: Mapping[str, Mapping[Any, str]] = {}
    ordered: FrozenSet[str] = frozenset()  # layer-map keys whose layer is a position in an order
    # each setting outside the tables as given, and where it came from (`truthlint config`)
    given: Mapping[str, Any] = {}
    sources: Mapping[str, str] = {}

    def origin(self, table: str, key: Any, default: str) -> str:
        return self.provenance.get(table, {}).get(key, default)


def parse_settings(raw: Mapping[str, Any], source: str) -> Dict[str, Any]:
    """Validate a raw ``{key: value}`` mapping; unknown keys and bad values raise ConfigError."""
    parsed = {}
    for key, value in raw.items():
        norm = key.replace("_", "-")
        setting = SETTINGS_BY_KEY.get(norm)
        if setting is None:
            known = ", ".join(sorted(SETTINGS_BY_KEY))
            raise ConfigError(source, key, f"unknown setting (known settings: {known})")
        parsed[norm] = setting.parse(value, source, key)
    return parsed


def display_path(path: str) -> str:
    """A configuration file as findings name it: relative to the working directory when inside
    it (so output is the same in every checkout), else absolute."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith(os.pardir) else relative.replace(os.sep, "/")


def table_label(settings: Mapping[str, Any], key: str, source: Optional[str]) -> str:
    """How a message names where a table entry (or, for a key outside TABLES, a setting)
    was set."""
    if "__label__" in settings:
        return str(settings["__label__"])
    origin = settings.get("__source__", source or "configuration")
    if settings.get("__flake8__"):
        return f"{origin} option truthlint-{key}"
    return f"{display_path(origin)} " + (f"[tool.truthlint.{key}]" if key in TABLES else key)


def build_config(source: Optional[str], base_dir: str, *layers: Mapping[str, Any]) -> Config:
    """Combine validated settings, later layers winning (pyproject, then flake8 options).

    Lists replace; the tables (layer map, import matrix, deny-lists, owners) merge key by key
    and remember, per key, which file and key set them.
    """
    merged: Dict[str, Any] = {}
    merged_from: Dict[str, Optional[str]] = {}  # the file each setting came from
    labels: Dict[str, str] = {}                 # ... as `truthlint config` names it
    tables: Dict[str, Dict[Any, Any]] = {t: {} for t in TABLES}
    provenance: Dict[str, Dict[Any, str]] = {t: {} for t in TABLES}
    for settings in layers:
        for key, value in settings.items():
            if key in TABLES:
                tables[key].update(value)
                provenance[key].update(dict.fromkeys(value, table_label(settings, key, source)))
            elif not key.startswith("__"):
                merged[key] = value
                merged_from[key] = settings.get("__source__", source)
                labels[key] = table_label(settings, key, source)
    defaults = {s.key: s.default for s in SETTINGS}

    def get(key: str) -> Any:
        return merged.get(key, defaults[key])

    preset = get("layer-preset")
    layer_map = dict(PRESETS.get(preset, {}))
    if preset:  # chosen, so declared: its entries are named as the preset in messages
        where = next(table_label(s, "layer-preset", source)
                     for s in reversed(layers) if "layer-preset" in s)
        provenance["layers"] = {**dict.fromkeys(layer_map, f"the {preset} preset ({where})"),
                                **provenance["layers"]}
    allowed = dict(DEFAULT_ALLOWED_IMPORTS)
    keyed = order_layers(get("layer-order"))
    if keyed:  # an order (the project's, or a contract's): positions, each importing below
        where = labels["layer-order"]
        numbers = sorted(set(keyed.values()))
        for number in numbers:
            allowed[number] = frozenset(m for m in numbers if m > number)
        layer_map.update(keyed)
        for key in keyed.keys() - tables["layers"].keys():
            provenance["layers"][key] = where
        for number in set(numbers) - tables["allowed-imports"].keys():
            provenance["allowed-imports"][number] = where
    layer_map.update(tables["layers"])  # what the project declares key by key wins
    allowed.update(tables["allowed-imports"])
    ordered = set(keyed) - set(tables["layers"])
    roots = tuple(os.path.normpath(os.path.join(base_dir, r)) for r in get("roots"))
    return Config(
        source=source,
        base_dir=base_dir,
        roots=roots,
        layer_map=layer_map,
        allowed_imports=allowed,
        denied_imports=tables["denied-imports"],
        owners=tables["owners"],
        roles=tables["roles"],
        side_effect_calls=frozenset(get("side-effect-calls")),
        stateless_types=frozenset(get("stateless-types")),
        session_names=frozenset(get("session-names")),
        transaction_owners=tuple(get("transaction-owners")),
        namespace_packages=tuple(p.strip("/") for p in get("namespace-packages")),
        exclude=normalize([*get("exclude"), *get("extend-exclude")], base_dir),
        per_file_ignores=normalize_per_file(get("per-file-ignores"), base_dir),
        advisory_packages=tuple(get("advisory-packages")),
        authoritative_words=tuple(w.lower() for w in get("authoritative-words")),
        check_comments=get("check-comments"),
        cache_dir=_cache_dir(get("cache-dir"), base_dir, merged_from.get("cache-dir", source)),
        provenance=provenance,
        ordered=frozenset(ordered),
        given=merged,
        sources=labels,
    )


def _cache_dir(value: str, base_dir: str, source: Optional[str]) -> Optional[str]:
    """The cache directory: the environment's choice, else the setting's, checked."""
    chosen = user_cache_dir()
    if chosen is not None:
        return chosen or None
    if not value:
        return None
    directory = os.path.join(base_dir, value)
    refused = cache_place(directory, base_dir)
    if refused is not None:
        raise ConfigError(source or "configuration", "cache-dir",
                          f"refused: {refused}; a checked tree may not choose where truthlint "
                          f"writes (set {CACHE_ENV} to choose another place)")
    return directory


def contract_settings(contract: Optional[Contract]) -> Tuple[Dict[str, Any], ...]:
    """The order an import-linter or tach contract declares, as a settings layer below the
    project's own: a ``layer-order`` the project's own replaces, whose keys its ``layers``
    and ``allowed-imports`` win over."""
    if contract is None:
        return ()
    return ({"layer-order": tuple(contract.order), "__source__": contract.source,
             "__label__": contract.label},)


def read_pyproject(path: str) -> Optional[Dict[str, Any]]:
    """The ``[tool.truthlint]`` table of a pyproject.toml, validated; None when absent."""
    try:
        raw = read_regular(path)
    except OSError as exc:
        if os.path.lexists(path) and not os.path.isdir(path):  # there, but not a file to read
            raise ConfigError(path, "(file)", f"cannot be read: {exc.strerror}") from None
        return None
    if b"truthlint" not in raw:
        return None  # no [tool.truthlint] table: no need to parse the file
    try:
        data = load_toml(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("truthlint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(path, "tool.truthlint", "expected a table")
    parsed = parse_settings(table, path)
    parsed["__source__"] = path
    return parsed


class ConfigFinder:
    """Finds the nearest ``pyproject.toml`` with a ``[tool.truthlint]`` table above a file.

    Lookups are cached per directory for the lifetime of the finder (one lint run), so the
    per-file cost is a dictionary hit.
    """

    def __init__(self, overrides: Optional[Mapping[str, Any]] = None,
                 explicit: Optional[str] = None, ceiling: Optional[str] = None) -> None:
        self.overrides = dict(overrides or {})
        self.explicit = explicit
        # the search stops here (a copy of a git revision: what lies above it is not its own)
        self.ceiling = os.path.abspath(ceiling) if ceiling else None
        self._by_dir: Dict[str, Config] = {}
        self._default: Optional[Config] = None
        self._contracts: Dict[str, Optional[Contract]] = {}

    def _contract(self, directory: str) -> Optional[Contract]:
        """The layers contract declared in ``directory``, read once per run."""
        if directory not in self._contracts:
            self._contracts[directory] = find_contract(directory)
        return self._contracts[directory]

    def _config_at(self, pyproject: Optional[str], table: Optional[Mapping[str, Any]],
                   base: Optional[str] = None) -> Config:
        base = base or (os.path.dirname(pyproject) if pyproject else os.getcwd())
        return build_config(pyproject, base, *contract_settings(self._contract(base)),
                            table or {}, self.overrides)

    def for_dir(self, directory: str) -> Config:
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        if not os.path.isabs(directory):
            return self.for_dir(os.path.abspath(directory))
        if self.explicit:
            config = self._explicit()
        else:
            candidate = os.path.join(directory, "pyproject.toml")
            table = read_pyproject(candidate) if os.path.isfile(candidate) else None
            if table is not None:
                config = self._config_at(candidate, table)
            elif self._contract(directory) is not None:  # layers declared to import-linter/tach
                config = self._config_at(None, None, directory)
            else:
                parent = os.path.dirname(directory)
                if parent == directory or directory == self.ceiling:
                    config = self._fallback()
                else:
                    config = self.for_dir(parent)
        self._by_dir[directory] = config
        return config

    def for_file(self, path: str) -> Config:
        return self.for_dir(os.path.dirname(os.path.abspath(path)))

    def _explicit(self) -> Config:
        explicit = self.explicit or ""
        if self._default is None:
            table = read_pyproject(explicit)
            if table is None and not os.path.isfile(explicit):
                raise ConfigError(explicit, "truthlint-config", "file not found")
            self._default = self._config_at(explicit, table)
        return self._default

    def _fallback(self) -> Config:
        if self._default is None:
            self._default = self._config_at(None, None)
        return self._default


def validate_tree(paths: Tuple[str, ...], finder: ConfigFinder) -> None:
    """Load every configuration that a run over ``paths`` can meet, so errors stop it early."""
    finder.for_dir(os.getcwd())
    for path in paths:
        if path == "-" or not os.path.exists(path):
            continue
        finder.for_file(path) if os.path.isfile(path) else finder.for_dir(path)
        if os.path.isdir(path):
            for dirpath, filenames in walk(path):
                if "pyproject.toml" in filenames:
                    finder.for_dir(dirpath)
