"""The crisis plan: models, the TOML loader and durations/phones as the plan writes them."""

from .loader import load_plan
from .models import Person, Plan, Role
from .phones import Phone, PhoneKind

__all__ = ["Person", "Phone", "PhoneKind", "Plan", "Role", "load_plan"]
