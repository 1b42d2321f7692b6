"""Every rule, in one explicit list (a test checks it against the registry)."""

from .governance import AuthoritativeLanguage, PermissionAnomaly, SilentFallback
from .layers import LayerClaimMismatch, LayerViolation
from .project import DuplicateImplementation, DuplicateTableModel, ImportCycle
from .soi import ClassSingleton, ModuleSingleton, TransactionOutsideOwner, WriteOutsideOwner
from .sti import DbWriteInApi, DuplicateSibling, HiddenModule, MissingInit, PlaceholderPackage
from .tbv import ImportTimeSideEffect, SyncInAsync

ALL_RULES = (
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
