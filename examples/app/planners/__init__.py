"""LLM planner backends (L3), built on first use."""
import json
import os
from typing import Optional

import anthropic

PROMPTS_FILE = os.environ.get("PLANNER_PROMPTS", "/etc/app/planner-prompts.json")
_client: Optional[anthropic.Anthropic] = None
_prompts: Optional[dict] = None


def get_planner() -> anthropic.Anthropic:
    global _client, _prompts
    if _client is None:
        _client = anthropic.Anthropic()  # builds the client; it sends nothing yet
        with open(PROMPTS_FILE) as fh:  # but the prompt catalogue is read from disk
            _prompts = json.load(fh)
    return _client
