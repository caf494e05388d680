import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { healthTest, optionalBearer, serviceProperties } from './common';

export class SoloBrainClassifyApi implements ICredentialType {
	name = 'soloBrainClassifyApi';

	displayName = 'Solo Brain Classify API';

	// The service's own API reference (FastAPI) at its default loopback address.
	documentationUrl = 'http://127.0.0.1:8102/docs';

	icon: Icon = { light: 'file:../icons/solo-brain.svg', dark: 'file:../icons/solo-brain.dark.svg' };

	properties: INodeProperties[] = serviceProperties(
		'http://127.0.0.1:8102',
		'classify service (categories, projects, clients, dates)',
	);

	authenticate = optionalBearer;

	test: ICredentialTestRequest = healthTest('classify', 8102);
}
