import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

export class CcMeshApi implements ICredentialType {
	name = 'ccMeshApi';

	displayName = 'CC Mesh Hub API';

	// The service's own API reference (FastAPI) at its default loopback address.
	documentationUrl = 'http://127.0.0.1:8100/docs';

	icon: Icon = { light: 'file:../icons/cc-mesh.svg', dark: 'file:../icons/cc-mesh.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://127.0.0.1:8100',
			required: true,
			description: 'Where the CC Mesh hub answers',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A hub token with scope full: solo-brain token create --scope full --name n8n',
		},
		{
			displayName: 'Events Signing Secret',
			name: 'eventsSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"The hub's MESH_EVENTS_SECRET, for the CC Mesh Trigger: an event without a valid signature is refused",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.token}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/auth/check',
			qs: { scope: 'full' },
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'The hub does not know this token (wrong or revoked)' },
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'This token lacks scope full: solo-brain token create --scope full --name n8n',
				},
			},
			{
				type: 'responseCode',
				properties: { value: 404, message: 'No CC Mesh hub answers at this URL' },
			},
		],
	};
}
