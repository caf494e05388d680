"""What a model must answer, and how a near-miss answer is turned into a valid one.

`ModelAnswer` is the JSON schema sent to the model (Ollama `format`, OpenAI `response_format`).
`parse_answer` accepts the raw text a model produced: it strips what qwen-style models wrap
around JSON (`<think>...</think>`, ```json fences, a sentence before the object), fixes a few
harmless slips (a category spelled "idée R&D", `due` instead of `due_phrase`, actions given as
plain strings) and validates. Every fix is reported, so the caller can flag the result for review;
anything it cannot fix raises `InvalidAnswer` with a message meant to be sent back to the model.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solo_brain.classify.errors import InvalidAnswer
from solo_brain.text import fold

Category = Literal["client", "idee_rd", "todo", "note_tech", "admin", "perso"]
CATEGORIES: tuple[str, ...] = ("client", "idee_rd", "todo", "note_tech", "admin", "perso")


class ModelAction(BaseModel):
    """One thing to do, with its due date exactly as spoken (never computed by the model)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    due_phrase: str | None = Field(default=None, max_length=100)


class ModelCcPrompt(BaseModel):
    """An instruction meant for a named Claude Code session."""

    model_config = ConfigDict(extra="forbid")

    session_hint: str = Field(min_length=1, max_length=100)
    prompt: str = Field(min_length=1, max_length=20000)


class ModelQuestion(BaseModel):
    """The note asks about the user's own data; the period exactly as spoken, if any."""

    model_config = ConfigDict(extra="forbid")

    period_phrase: str | None = Field(default=None, max_length=100)


class ModelAnswer(BaseModel):
    """The classification a model returns for one note."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    project: str | None = Field(default=None, max_length=200)
    client: str | None = Field(default=None, max_length=200)
    summary: str = Field(min_length=1, max_length=300)
    actions: list[ModelAction] = Field(default_factory=list, max_length=20)
    cc_prompt: ModelCcPrompt | None = None
    question: ModelQuestion | None = None


def answer_schema() -> dict[str, Any]:
    """The JSON schema a model's answer must follow."""
    return ModelAnswer.model_json_schema()


_THINK = re.compile(r"<think>.*?</think>|^.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)

# Folded spellings models use for each category, beyond the exact code.
_CATEGORY_SYNONYMS = {
    "client": "client",
    "clients": "client",
    "customer": "client",
    "idee rd": "idee_rd",
    "idee r&d": "idee_rd",
    "r&d": "idee_rd",
    "idee": "idee_rd",
    "idea": "idee_rd",
    "rd": "idee_rd",
    "tache": "todo",
    "taches": "todo",
    "a faire": "todo",
    "task": "todo",
    "note tech": "note_tech",
    "note technique": "note_tech",
    "tech": "note_tech",
    "technique": "note_tech",
    "administratif": "admin",
    "administration": "admin",
    "personnel": "perso",
    "personal": "perso",
    "personnelle": "perso",
}


def extract_json_text(raw: str) -> str:
    """The JSON object inside a model's raw output: no think block, no fence, no prose around."""
    text = _THINK.sub("", raw).strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start > 0 or (start >= 0 and end < len(text) - 1):
        text = text[start : end + 1]
    return text


def parse_answer(raw: str) -> tuple[ModelAnswer, list[str]]:
    """Validate a model's raw output; return the answer and the repairs it needed.

    Raises InvalidAnswer (with a message for the model) when the output cannot be used.
    """
    text = extract_json_text(raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"the answer is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer must be one JSON object")
    repairs = _repair(data)
    try:
        return ModelAnswer.model_validate(data), repairs
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidAnswer(f"the answer does not follow the schema: {problems}") from exc


def _repair(data: dict[str, Any]) -> list[str]:
    repairs: list[str] = []
    category = data.get("category")
    if isinstance(category, str) and category not in CATEGORIES:
        folded = fold(category)
        fixed = _CATEGORY_SYNONYMS.get(folded) or folded.replace(" ", "_")
        if fixed in CATEGORIES:
            data["category"] = fixed
            repairs.append(f"category {category!r} read as {fixed!r}")
    # Harmless spellings that need no review: "client_id" for "client", "null" as a string.
    if "client_id" in data and "client" not in data:
        data["client"] = data.pop("client_id")
    for key in ("project", "client"):
        if isinstance(data.get(key), str) and data[key].strip().lower() in ("", "null", "none"):
            data[key] = None
    actions = data.get("actions")
    if actions is None and "actions" in data:
        data["actions"] = []
    elif isinstance(actions, list):
        data["actions"] = [_repair_action(item, repairs) for item in actions]
    if data.get("cc_prompt") in ({}, "", "null"):
        data["cc_prompt"] = None
    _repair_question(data)
    return repairs


def _repair_question(data: dict[str, Any]) -> None:
    # Harmless spellings: `true`/`false`, or the period given as a bare string.
    question = data.get("question")
    if question in (False, "", "null") and "question" in data:
        data["question"] = None
    elif question is True:
        data["question"] = {"period_phrase": None}
    elif isinstance(question, str):
        data["question"] = {"period_phrase": question}


def _repair_action(item: Any, repairs: list[str]) -> Any:
    if isinstance(item, str):
        repairs.append("an action was a plain string")
        return {"text": item, "due_phrase": None}
    if isinstance(item, dict) and "due_phrase" not in item:
        for key in ("due", "date", "when", "deadline"):
            if key in item:
                repairs.append(f"an action had {key!r} instead of 'due_phrase'")
                item = {**item, "due_phrase": item[key]}
                del item[key]
                break
    return item
