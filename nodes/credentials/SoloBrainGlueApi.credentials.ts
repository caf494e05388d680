import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { healthTest, optionalBearer, serviceProperties } from './common';

export class SoloBrainGlueApi implements ICredentialType {
	name = 'soloBrainGlueApi';

	displayName = 'Solo Brain Glue API';

	// The service's own API reference (FastAPI) at its default loopback address.
	documentationUrl = 'http://127.0.0.1:8101/docs';

	icon: Icon = { light: 'file:../icons/solo-brain.svg', dark: 'file:../icons/solo-brain.dark.svg' };

	properties: INodeProperties[] = serviceProperties(
		'http://127.0.0.1:8101',
		'glue service (transcription and speech)',
	);

	authenticate = optionalBearer;

	test: ICredentialTestRequest = healthTest('glue', 8101);
}
