import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

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

/** The base URL and optional token of a Solo Brain service on loopback. */
export function serviceProperties(defaultUrl: string, what: string): INodeProperties[] {
	return [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: defaultUrl,
			required: true,
			description: `Where the ${what} answers`,
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Bearer token, only when a proxy in front of the service requires one (leave empty on loopback)',
		},
	];
}

// What each service's /healthz calls itself, and how a person names it.
const SERVICE_NAMES: Record<string, string> = {
	glue: 'the glue service',
	classify: 'the classify service',
	mesh: 'the CC Mesh hub',
};

/** `GET /healthz` of the service: it fails when the URL is another of our services. */
export function healthTest(service: 'glue' | 'classify', port: number): ICredentialTestRequest {
	const others = Object.keys(SERVICE_NAMES).filter((name) => name !== service);
	return {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/healthz',
			method: 'GET',
		},
		rules: others.map((other) => ({
			type: 'responseSuccessBody' as const,
			properties: {
				key: 'service',
				value: other,
				message: `This URL is ${SERVICE_NAMES[other]}, not ${SERVICE_NAMES[service]} (port ${port} by default)`,
			},
		})),
	};
}
