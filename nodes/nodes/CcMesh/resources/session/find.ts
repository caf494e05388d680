import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['session'], operation: ['find'] };

export const sessionFindDescription: INodeProperties[] = [
	{
		displayName: 'Spoken Hint',
		name: 'hint',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show },
		placeholder: 'e.g. orchestrator',
		description: 'How the session was named aloud ("la session orchestrator")',
		routing: { send: { type: 'query', property: 'hint' } },
	},
	{
		displayName: 'When No Session Matches',
		name: 'whenNone',
		type: 'options',
		displayOptions: { show },
		options: [
			{ name: 'Stop With an Error', value: 'error' },
			{ name: 'Output Nothing', value: 'nothing' },
		],
		default: 'error',
		description:
			'Output Nothing ends this branch quietly (or sends an empty item with Always Output Data)',
	},
];
