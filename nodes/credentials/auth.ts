import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

/** Adds `Authorization: Bearer <token>` only when a token is set (the services sit on loopback). */
export async function optionalBearer(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const token = String(credentials.token ?? '');
	if (!token) {
		return requestOptions;
	}
	return {
		...requestOptions,
		headers: { ...requestOptions.headers, Authorization: `Bearer ${token}` },
	};
}
