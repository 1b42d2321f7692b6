"""Floor 4, rules: the rules only, every one in one explicit list (a test checks it against
the registry). Imports only from project, facts and core.

A rule is one module in its family's package — ``sti/`` (structural truth), ``tbv/`` (temporal
boundaries), ``soi/`` (state ownership) — named after the rule (``sti/missing_init.py`` holds
STI006 missing-init), its :class:`~.base.RuleDoc` beside its class. A new rule goes into
``ALL_RULES`` at its place by family, then code: see docs/writing-a-rule.md.
"""

from __future__ import annotations

from typing import Tuple, Type

from .base import Rule
from .soi.class_singleton import ClassSingleton
from .soi.duplicate_table_model import DuplicateTableModel
from .soi.module_singleton import ModuleSingleton
from .soi.transaction_outside_owner import TransactionOutsideOwner
from .soi.write_outside_owner import WriteOutsideOwner
from .sti.authoritative_language import AuthoritativeLanguage
from .sti.db_write_in_api import DbWriteInApi
from .sti.duplicate_implementation import DuplicateImplementation
from .sti.duplicate_sibling_package import DuplicateSibling
from .sti.hidden_module import HiddenModule
from .sti.layer_claim_mismatch import LayerClaimMismatch
from .sti.missing_init import MissingInit
from .sti.permission_anomaly import PermissionAnomaly
from .sti.placeholder_package import PlaceholderPackage
from .sti.silent_fallback import SilentFallback
from .tbv.import_cycle import ImportCycle
from .tbv.import_time_side_effect import ImportTimeSideEffect
from .tbv.layer_violation import LayerViolation
from .tbv.sync_in_async import SyncInAsync

__all__ = [
    "ALL_RULES", "AuthoritativeLanguage", "ClassSingleton", "DbWriteInApi",
    "DuplicateImplementation", "DuplicateSibling", "DuplicateTableModel", "HiddenModule",
    "ImportCycle", "ImportTimeSideEffect", "LayerClaimMismatch", "LayerViolation", "MissingInit",
    "ModuleSingleton", "PermissionAnomaly", "PlaceholderPackage", "SilentFallback", "SyncInAsync",
    "TransactionOutsideOwner", "WriteOutsideOwner",
]

ALL_RULES: Tuple[Type[Rule], ...] = (
    DbWriteInApi,
    LayerClaimMismatch,
    DuplicateSibling,
    HiddenModule,
    PlaceholderPackage,
    MissingInit,
    AuthoritativeLanguage,
    PermissionAnomaly,
    SilentFallback,
    DuplicateImplementation,
    ImportTimeSideEffect,
    LayerViolation,
    SyncInAsync,
    ImportCycle,
    DuplicateTableModel,
    ModuleSingleton,
    ClassSingleton,
    TransactionOutsideOwner,
    WriteOutsideOwner,
)
