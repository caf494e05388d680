"""The n8n stack of the end-to-end tests lives in tests/support/n8n_stack.py (the browser tests
use it too, and import nothing from tests/e2e); these names stay importable from here."""

from tests.support.n8n_stack import (
    APP_SECRET,
    CAPTURE_TOKEN,
    NOTIFY_WHATSAPP_TO,
    VERIFY_TOKEN,
    Brain,
    Stack,
    run_stack,
)
from tests.support.wait import wait_for

__all__ = [
    "APP_SECRET",
    "CAPTURE_TOKEN",
    "NOTIFY_WHATSAPP_TO",
    "VERIFY_TOKEN",
    "Brain",
    "Stack",
    "run_stack",
    "wait_for",
]
