// What the app says when the hub refuses: the hub's envelope is in English (its API's
// language), the app speaks French. Known codes get their own sentence; the hub's own words
// stay in the error's `extra.detail` for the screens that read them.

/** Errors whose English text names the very thing that went wrong. */
const DETAILED: [RegExp, string][] = [
  [/^unknown (project|client)\b/, "Ce projet ou ce client n'existe plus : choisis-en un autre."],
  [/^path\./, "Ce lien ne mène nulle part : l'adresse est incomplète ou erronée."],
];

const BY_CODE: Record<string, string> = {
  forbidden: "Cet appareil n'a pas le droit de faire ça.",
  not_found: "Introuvable : supprimé entre-temps, ou lien erroné.",
  method_not_allowed: "Ce hub ne connaît pas encore cette fonction : mets-le à jour.",
  conflict: "Déjà modifié ailleurs : actualise pour voir l'état actuel.",
  payload_too_large: "Trop volumineux pour le hub.",
  headers_too_large: "Requête trop volumineuse pour le hub.",
  unsupported_media: "Format non pris en charge par le hub.",
  too_many_requests: "Trop de demandes d'un coup : réessaie dans un instant.",
  upstream_unavailable: "Un service derrière le hub ne répond pas : réessaie dans un instant.",
  capture_unavailable: "Le classement (n8n) ne répond pas : réessaie dans un instant.",
  database_unavailable: "La base de données du hub ne répond pas : réessaie dans un instant.",
  upstream_error: "Un service derrière le hub a échoué : réessaie dans un instant.",
  push_error: "L'envoi des notifications a échoué côté hub.",
  push_endpoint_refused: "Le service de notifications de ce navigateur n'est pas accepté par le hub.",
  internal_error: "Le hub a eu une erreur interne : réessaie dans un instant.",
};

/** The French sentence for one error answer of the hub. */
export function frenchError(status: number, code: string, detail: string): string {
  for (const [pattern, text] of DETAILED) if (pattern.test(detail)) return text;
  if (status === 404 && detail === "Not Found") return BY_CODE.method_not_allowed;
  if (BY_CODE[code]) return BY_CODE[code];
  if (status >= 500) return `Le hub a eu un problème (${status}) : réessaie dans un instant.`;
  if (status === 400) return "Le hub a refusé cette demande : une valeur n'est pas acceptée.";
  return `Le hub a refusé cette demande (${status}).`;
}
