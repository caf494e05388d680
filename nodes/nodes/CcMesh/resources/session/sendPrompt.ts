import type { INodeProperties } from 'n8n-workflow';
import { sessionLocator } from '../../descriptions';

const show = { resource: ['session'], operation: ['sendPrompt'] };

export const sessionSendPromptDescription: INodeProperties[] = [
	{ ...sessionLocator, displayOptions: { show } },
	{
		displayName: 'Prompt',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: { show },
		description: 'What Claude Code should do in this session',
		routing: { send: { type: 'body', property: 'text' } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Force',
				name: 'force',
				type: 'boolean',
				default: false,
				description:
					'Whether to run the prompt even while the session is open in a terminal (otherwise it waits)',
				routing: { send: { type: 'body', property: 'force' } },
			},
			{
				displayName: 'Voice Reply',
				name: 'voiceReply',
				type: 'boolean',
				default: false,
				description: 'Whether the answer should also be spoken back',
				routing: { send: { type: 'body', property: 'voice_reply' } },
			},
		],
	},
];
