import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { optionalBearer } from './auth';

export class SoloBrainGlueApi implements ICredentialType {
	name = 'soloBrainGlueApi';

	displayName = 'Solo Brain Glue API';

	// The service's own API reference (FastAPI) at its default loopback address.
	documentationUrl = 'http://127.0.0.1:8101/docs';

	icon: Icon = { light: 'file:../icons/solo-brain.svg', dark: 'file:../icons/solo-brain.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://127.0.0.1:8101',
			required: true,
			description: 'Where the glue service (transcription and speech) answers',
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

	authenticate = optionalBearer;

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/healthz',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'service',
					value: 'classify',
					message: 'This URL is the classify service, not the glue service (port 8101 by default)',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'service',
					value: 'mesh',
					message: 'This URL is the CC Mesh hub, not the glue service (port 8101 by default)',
				},
			},
		],
	};
}
