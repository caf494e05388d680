import type { INodeProperties } from 'n8n-workflow';
import { SESSION_PATH } from '../../descriptions';
import { hubAnswer, lookupAnswer, sessionItems } from '../../hooks';
import { sessionFindDescription } from './find';
import { sessionGetDescription } from './get';
import { sessionGetAllDescription } from './getAll';
import { sessionSendPromptDescription } from './sendPrompt';

export const sessionDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['session'] } },
		options: [
			{
				name: 'Find by Spoken Hint',
				value: 'find',
				action: 'Find a session by spoken hint',
				description: 'The session a spoken name such as "orchestrator" refers to',
				routing: {
					request: { method: 'GET', url: '/api/sessions/lookup' },
					output: { postReceive: [lookupAnswer] },
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a session',
				description: 'One session with its pending permissions',
				routing: {
					request: { method: 'GET', url: SESSION_PATH },
					output: { postReceive: [hubAnswer] },
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many sessions',
				description: 'The sessions of every machine, most recently active first',
				routing: {
					request: { method: 'GET', url: '/api/sessions' },
					output: { postReceive: [sessionItems] },
				},
			},
			{
				name: 'Send Prompt',
				value: 'sendPrompt',
				action: 'Send a prompt to a session',
				description: 'Run a prompt in the session (it waits while a terminal holds it)',
				routing: {
					request: { method: 'POST', url: `${SESSION_PATH}/prompt` },
					output: { postReceive: [hubAnswer] },
				},
			},
		],
		default: 'getAll',
	},
	...sessionGetAllDescription,
	...sessionGetDescription,
	...sessionFindDescription,
	...sessionSendPromptDescription,
];
