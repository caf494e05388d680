import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { optionalBearer } from './auth';

export class SoloBrainClassifyApi implements ICredentialType {
	name = 'soloBrainClassifyApi';

	displayName = 'Solo Brain Classify API';

	// The service's own API reference (FastAPI) at its default loopback address.
	documentationUrl = 'http://127.0.0.1:8102/docs';

	icon: Icon = { light: 'file:../icons/solo-brain.svg', dark: 'file:../icons/solo-brain.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://127.0.0.1:8102',
			required: true,
			description: 'Where the classify service (categories, projects, clients, dates) answers',
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
					value: 'glue',
					message: 'This URL is the glue service, not the classify service (port 8102 by default)',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'service',
					value: 'mesh',
					message: 'This URL is the CC Mesh hub, not the classify service (port 8102 by default)',
				},
			},
		],
	};
}
