"""`edufacts review`: reviewers work through what the tool is unsure of in a
local web app; decisions live in SQLite beside the outputs and become
corrected outputs and gold files."""

from .outputs import apply_reviews, export_gold
from .server import make_server, serving_in_background
from .workspace import Workspace

__all__ = ["Workspace", "apply_reviews", "export_gold", "make_server", "serving_in_background"]
