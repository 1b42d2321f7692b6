"""Every rule, in one explicit list (a test checks it against the registry)."""

from .governance import AuthoritativeLanguage, PermissionAnomaly, SilentFallback
from .layers import LayerClaimMismatch, LayerViolation
from .soi import ClassSingleton, ModuleSingleton, TransactionOutsideOwner, WriteOutsideOwner
from .sti import DbWriteInApi, HiddenModule, MissingInit, PlaceholderPackage
from .tbv import ImportTimeSideEffect, SyncInAsync

ALL_RULES = (
    DbWriteInApi,
    LayerClaimMismatch,
    HiddenModule,
    PlaceholderPackage,
    MissingInit,
    AuthoritativeLanguage,
    PermissionAnomaly,
    SilentFallback,
    ImportTimeSideEffect,
    LayerViolation,
    SyncInAsync,
    ModuleSingleton,
    ClassSingleton,
    TransactionOutsideOwner,
    WriteOutsideOwner,
)
