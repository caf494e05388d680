import type { INodeProperties } from 'n8n-workflow';

/** A Claude Code session: picked from the live list, or given by ID (e.g. from an event). */
export const sessionLocator: INodeProperties = {
	displayName: 'Session',
	name: 'session',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Claude Code session',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a session...',
			typeOptions: {
				searchListMethod: 'searchSessions',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 3b9e1c52-7d1f-4c1e-9a55-0f4f0c1d2e3a',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^[A-Za-z0-9-]{1,64}$',
						errorMessage: 'A session ID has letters, digits and dashes only',
					},
				},
			],
		},
	],
};

/** The session's URL path, its ID encoded. */
export const SESSION_PATH = '=/api/sessions/{{encodeURIComponent($parameter.session)}}';
