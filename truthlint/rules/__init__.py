"""Every rule, in one explicit list (a test checks it against the registry)."""

from .layers import LayerClaimMismatch, LayerViolation
from .soi import ClassSingleton, ModuleSingleton, TransactionOutsideOwner
from .sti import DbWriteInApi, HiddenModule, MissingInit, PlaceholderPackage
from .tbv import ImportTimeSideEffect, SyncInAsync

ALL_RULES = (
    DbWriteInApi,
    LayerClaimMismatch,
    HiddenModule,
    PlaceholderPackage,
    MissingInit,
    ImportTimeSideEffect,
    LayerViolation,
    SyncInAsync,
    ModuleSingleton,
    ClassSingleton,
    TransactionOutsideOwner,
)
