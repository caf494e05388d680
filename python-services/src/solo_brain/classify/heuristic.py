"""The classifier that needs no model: keyword rules, catalog aliases and spoken dates.

It answers when Ollama is not configured, down, too slow, or twice unusable, so a capture is
always filed somewhere sensible (and flagged for review). French and English.

- category: weighted keyword rules over the note and the hint; a detected client weighs for
  "client", a Claude Code instruction for "note_tech", actions for "todo".
- project / client: the first project or client the text names (slug, name or alias).
- actions: sentences that ask for something ("rappelle-moi de…", "il faut…", "TODO",
  "remind me to…", an imperative or infinitive verb first) or that carry a due date or time;
  the due phrase (« demain à 10h ») comes from `times.find_due_pieces`, and each of its pieces
  is cut out of the action's text.
- summary: the first sentence, shortened.
- question: a question about the user's own data (`questions.looks_like_question`) has no
  actions; its period is the one it names.
"""

from __future__ import annotations

import re

from solo_brain.classify.answer import (
    CATEGORIES,
    ModelAction,
    ModelAnswer,
    ModelCcPrompt,
    ModelQuestion,
)
from solo_brain.classify.catalog_index import CatalogIndex
from solo_brain.classify.cc_prompt import find_cc_prompt
from solo_brain.classify.questions import find_period_phrase, looks_like_question
from solo_brain.classify.times import due_phrase_of, find_due_pieces
from solo_brain.text import fold, sentences, shorten

SUMMARY_CHARS = 120
MAX_ACTIONS = 20

# Regexes over folded text (lowercase, no accents, punctuation as spaces), with a weight each.
_CATEGORY_RULES: dict[str, list[tuple[str, int]]] = {
    "client": [
        (r"clients?|customers?|mission|livrables?|deliverables?|cahier des charges", 2),
        (r"reunion|meeting|rdv|rendez vous|call|visio|kick ?off|relancer?|specs?", 1),
    ],
    "idee_rd": [
        (r"idees?|idea|r&d|rd|et si|what if|piste|concept|prototyper?|poc", 3),
        (r"benchmark\w*|explorer|essayer|tester|evaluer|research|recherche|npu|tops", 1),
    ],
    "todo": [
        (r"todo|to do|a faire|rappelle moi|remind me|n oublie pas|don t forget|il faut", 2),
        (r"penser a|pense a|acheter|buy|appeler|call back|envoyer|send", 1),
    ],
    "note_tech": [
        (r"bug|erreur|error|crash|stack ?trace|kernel|driver|firmware|yocto|dts|device tree", 2),
        (r"config\w*|commande|command|docker|git|python|compil\w*|build|api|endpoint|log", 1),
        (r"cmake|gcc|linux|ssh|nginx|postgres|cuda|gpu|latence|latency|fix", 1),
    ],
    "admin": [
        (r"factur\w*|invoices?|impots?|taxes?|urssaf|tva|vat|comptab\w*|accountant", 3),
        (r"banque|bank|contrat|contract|assurance|insurance|devis|quote|mutuelle|declaration", 2),
        (r"administratif|paperasse|paperwork|cfe|kbis|expert comptable|note de frais", 2),
    ],
    "perso": [
        (r"anniversaire|birthday|maman|papa|famille|family|enfants?|kids|femme|mari", 3),
        (r"courses|groceries|medecin|doctor|dentiste|sport|vacances|holidays?|cadeau", 2),
        (r"perso|personnel|personal|weekend|week end|resto|cinema|amis|friends", 1),
    ],
}
_COMPILED_RULES = {
    category: [(re.compile(rf"\b(?:{pattern})\b"), weight) for pattern, weight in rules]
    for category, rules in _CATEGORY_RULES.items()
}

# Asking for something, anywhere in a sentence; the action is what follows.
_TRIGGERS = re.compile(
    r"\b(?:rappelle[- ]moi|rappelle[- ]toi|n'oublie pas|n'oublies pas|pense[rz]? [àa]"
    r"|(?:il )?faut (?:que (?:je |j'|on )?)?|(?:je |on )?dois|(?:il )?va falloir"
    r"|todo|to-do|[àa] faire|remind me|don't forget|(?:i )?need to|(?:i )?have to|(?:i )?must)"
    r"\b[\s:,-]*(?:de |d'|d |to |qu'|que )?",
    re.IGNORECASE,
)
# An action often starts with an imperative or an infinitive.
_VERBS = set(
    """appelle appeler rappelle rappeler envoie envoyer ecris ecrire relance relancer achete
    acheter prepare preparer reserve reserver verifie verifier paie payer fais faire commande
    commander benchmarker teste tester finis finir termine terminer contacte contacter planifie
    planifier mets mettre corrige corriger installe installer lance lancer demande demander
    regarde regarder lis lire repondre reponds imprimer imprime signer signe valider valide
    call send write email buy book check pay fix prepare schedule finish review order update
    install test ask read reply sign""".split()
)
_LABEL = re.compile(r"^\s*(?:id[ée]e|note|todo|to-do|t[aâ]che|rappel|action|task)\s*[:\-]\s*", re.I)
# Over folded text: a dated sentence in the past tense reports, it does not ask.
_PAST = re.compile(r"\b(?:j ai|on a|nous avons|c etait|etait|i ve|i have|we have|was|did)\b")
_DANGLING = re.compile(
    r"^(?:pour|avant|d'ici|by|before|on|et|and|aussi|also|puis|ensuite|then)\s+|\s+(?:pour|avant|d'ici|by|before|on|le|la|et|and)$",
    re.IGNORECASE,
)
_AFTER_TRIGGER = re.compile(r"^[\s,]*(?:de |d'|d |to )", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,;.])")


def classify_heuristically(text: str, hint: str | None, catalog: CatalogIndex) -> ModelAnswer:
    """A complete classification of `text` from rules alone (never fails)."""
    cc_prompt = find_cc_prompt(text)
    projects = catalog.mentioned_projects(text, hint)
    clients = catalog.mentioned_clients(text, hint)
    project = projects[0] if projects else None
    client_id = project.client_id if project and project.client_id else None
    if client_id is None and clients:
        client_id = clients[0].id
    question = None
    if cc_prompt is None and looks_like_question(text):
        question = ModelQuestion(period_phrase=find_period_phrase(text))
    actions = [] if cc_prompt or question else find_actions(text)
    category = guess_category(
        text,
        hint,
        has_client=client_id is not None,
        has_actions=bool(actions),
        is_cc_prompt=cc_prompt is not None,
    )
    if cc_prompt:
        said = f"Prompt pour la session {cc_prompt.session_hint} : {cc_prompt.prompt}"
        summary = shorten(said, SUMMARY_CHARS)
    else:
        first = sentences(text)
        summary = shorten(first[0] if first else text, SUMMARY_CHARS)
    return ModelAnswer(
        category=category,  # type: ignore[arg-type]
        project=project.slug if project else None,
        client=client_id,
        summary=summary or "Note",
        actions=actions,
        cc_prompt=ModelCcPrompt(**cc_prompt.model_dump()) if cc_prompt else None,
        question=question,
    )


def guess_category(
    text: str,
    hint: str | None,
    *,
    has_client: bool = False,
    has_actions: bool = False,
    is_cc_prompt: bool = False,
) -> str:
    """The category whose keywords weigh most; ties go to the first in CATEGORIES order."""
    folded = fold(f"{text} {hint or ''}")
    scores = {category: 0 for category in CATEGORIES}
    for category, rules in _COMPILED_RULES.items():
        scores[category] = sum(weight * len(p.findall(folded)) for p, weight in rules)
    # The hint is the user's own label: it counts double.
    for category, rules in _COMPILED_RULES.items():
        scores[category] += sum(weight for p, weight in rules if hint and p.search(fold(hint)))
    scores["client"] += 3 if has_client else 0
    scores["note_tech"] += 5 if is_cc_prompt else 0
    scores["todo"] += 1 if has_actions else 0
    best = max(CATEGORIES, key=lambda c: (scores[c], -CATEGORIES.index(c)))
    if scores[best] == 0:
        return "todo" if has_actions else "note_tech"
    return best


def find_actions(text: str) -> list[ModelAction]:
    """The things to do a note asks for, each with its due phrase as written."""
    actions: list[ModelAction] = []
    for sentence in sentences(text):
        action = _action_in(sentence)
        if action is not None:
            actions.append(action)
    return actions[:MAX_ACTIONS]


def _action_in(sentence: str) -> ModelAction | None:
    body = _LABEL.sub("", sentence).strip()
    trigger = _TRIGGERS.search(body)
    pieces = find_due_pieces(body)
    due_phrase = due_phrase_of(body, pieces)
    if trigger:
        wanted = body[trigger.end() :]
    else:
        first_word = fold(body).split(" ", 1)[0] if body else ""
        if first_word not in _VERBS and not (due_phrase and not _PAST.search(fold(body))):
            return None
        wanted = body
    for piece in pieces:
        wanted = wanted.replace(piece, " ", 1)
    if trigger:
        # « Rappelle-moi demain à 10h d'appeler Martin »: the « d' » followed the due phrase.
        wanted = _AFTER_TRIGGER.sub("", wanted)
    wanted = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(wanted.split())).strip(" ,;:.!?-")
    while (trimmed := _DANGLING.sub("", wanted).strip(" ,;:.!?-")) != wanted:
        wanted = trimmed
    if len(wanted) < 2:
        return None
    return ModelAction(text=shorten(wanted, 500), due_phrase=due_phrase)
