"""Admin pieces shared by the apps: `ReadOnlyAdmin`, defined with the audit trail's admin
(kikin.audit sits below core: core's workflow writes audit records)."""

from kikin.audit.admin import ReadOnlyAdmin

__all__ = ["ReadOnlyAdmin"]
