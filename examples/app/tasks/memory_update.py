def update_memory(agent_id: str, entry: str) -> dict:
    return {"agent": agent_id, "entry": entry}
