"""The instructions a model gets: categories, the known catalog, and how to report due dates.

Kept short on purpose (a local 35B model answers faster with a compact prompt) and in French,
the language of the notes. The model is never told today's date: it must repeat the due phrase
as spoken ("vendredi", "dans 3 jours") and the service resolves it.
"""

from __future__ import annotations

from solo_brain.classify.catalog_index import CatalogIndex

SYSTEM_PROMPT = """\
Tu classes les notes d'un ingénieur indépendant (embarqué, IA) dictées ou tapées sur son téléphone.
Réponds uniquement avec un objet JSON conforme au schéma demandé, sans texte autour.

Catégories (champ "category") :
- client : concerne un client ou une mission client (réunion, demande, livrable, relance).
- idee_rd : idée de R&D, piste technique à explorer, prototype, benchmark.
- todo : tâche simple à faire, sans autre contexte.
- note_tech : note technique (commande, config, bug, mesure) ou instruction pour Claude Code.
- admin : administratif (facture, devis, impôts, URSSAF, banque, contrat, assurance).
- perso : vie personnelle (famille, santé, courses, loisirs).

Règles :
- "project" : le slug d'un projet de la liste ci-dessous, sinon null. N'invente jamais de slug.
- "client" : l'identifiant d'un client de la liste ci-dessous, sinon null.
- "summary" : une phrase courte en français qui résume la note.
- "actions" : chaque chose à faire, formulée à l'infinitif ("appeler Paul"). "due_phrase" est
  l'échéance exactement comme elle a été dite, heure comprise ("vendredi", "demain à 10h",
  "dans 3 jours", "le 17 mai à 14h30"), sans la convertir en date ; null s'il n'y en a pas.
  L'heure n'est pas répétée dans le texte de l'action. Pas d'action inventée.
- "cc_prompt" : si la note est une consigne pour une session Claude Code ("pour la session
  orchestrator, ajoute un endpoint /health"), {"session_hint": "orchestrator", "prompt":
  "ajoute un endpoint /health"} ; sinon null.
- "question" : si la note est une question posée à l'assistant sur ses propres données
  (agenda, tâches, promesses, avancement d'un projet ou d'un client : "qu'est-ce que j'ai
  demain ?", "où en est le projet imx8mp ?"), {"period_phrase": la période exactement comme
  dite ("demain", "cette semaine") ou null} et aucune action ; sinon null. Une note qui parle
  de se poser une question ("se demander si on passe à Rust") n'est pas une question.
- La note peut venir d'une dictée vocale : corrige mentalement les erreurs de transcription.
"""

_SOURCES = {
    "siri": "dictée vocale (Siri)",
    "whatsapp": "message WhatsApp (souvent une note vocale transcrite)",
    "pwa": "application web",
    "api": "API",
}


def catalog_section(catalog: CatalogIndex) -> str:
    """The known projects and clients, one line each, as the model should see them."""
    lines = ["Projets connus (slug : nom ; alias ; client) :"]
    for project in catalog.projects:
        extra = f" ; alias : {', '.join(project.aliases)}" if project.aliases else ""
        owner = f" ; client : {project.client_id}" if project.client_id else ""
        lines.append(f"- {project.slug} : {project.name}{extra}{owner}")
    if not catalog.projects:
        lines.append("- (aucun)")
    lines.append("Clients connus (id : nom ; alias) :")
    for client in catalog.clients:
        extra = f" ; alias : {', '.join(client.aliases)}" if client.aliases else ""
        lines.append(f"- {client.id} : {client.name}{extra}")
    if not catalog.clients:
        lines.append("- (aucun)")
    return "\n".join(lines)


def build_messages(
    text: str, *, hint: str | None, source: str | None, catalog: CatalogIndex
) -> list[dict[str, str]]:
    """The chat messages asking a model to classify `text`."""
    user = [f"Note à classer :\n{text}"]
    if hint:
        user.append(f"Indice donné par l'utilisateur : {hint}")
    if source:
        user.append(f"Provenance : {_SOURCES.get(source, source)}")
    return [
        {"role": "system", "content": f"{SYSTEM_PROMPT}\n{catalog_section(catalog)}"},
        {"role": "user", "content": "\n\n".join(user)},
    ]


def retry_message(problem: str) -> dict[str, str]:
    """The follow-up message sent once after an unusable answer, naming what was wrong."""
    return {
        "role": "user",
        "content": (
            f"Ta réponse n'est pas utilisable : {problem}. Réponds de nouveau avec uniquement "
            "l'objet JSON conforme au schéma, sans balise ni texte autour."
        ),
    }
