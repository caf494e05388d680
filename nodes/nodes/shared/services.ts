/**
 * The services the nodes talk to, each reached through its own credential type.
 * A new service (phase 2: the capture store) adds one entry here and one credential file.
 */
export const SERVICES = {
	glue: { credential: 'soloBrainGlueApi', label: 'Solo Brain glue service' },
	classify: { credential: 'soloBrainClassifyApi', label: 'Solo Brain classify service' },
	hub: { credential: 'ccMeshApi', label: 'CC Mesh hub' },
} as const;

export type Service = keyof typeof SERVICES;

/** The base URL of a credential, without trailing slashes. */
export function baseUrlOf(credentials: { baseUrl?: unknown }): string {
	return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
}
