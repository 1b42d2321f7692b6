"""Every rule, in one explicit list (a test checks it against the registry)."""

from .soi import ClassSingleton, ModuleSingleton, TransactionOutsideOwner
from .sti import DbWriteInApi, HiddenModule, MissingInit, PlaceholderPackage
from .tbv import ImportTimeSideEffect

ALL_RULES = (
    DbWriteInApi,
    HiddenModule,
    PlaceholderPackage,
    MissingInit,
    ImportTimeSideEffect,
    ModuleSingleton,
    ClassSingleton,
    TransactionOutsideOwner,
)
