"""Canary scenarios: advisory output, never a verdict."""


def summarize(score: float) -> str:
    if score > 0.9:
        return "Failure confirmed: this run will fail"
    return "No issue detected"


def describe_risk(score: float) -> str:
    """Hedged wording is what an advisory package should say."""
    if score > 0.9:
        return "Failure likely: this run may fail"
    return "Risk is uncertain"
