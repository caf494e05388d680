import type { INodeProperties } from 'n8n-workflow';
import { permissionFields } from './shared';

const show = { resource: ['permission'], operation: ['deny'] };

export const permissionDenyDescription: INodeProperties[] = [
	...permissionFields('deny'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				default: '',
				description: 'Why the tool is refused; Claude reads it (default: the hub’s French refusal)',
				routing: { send: { type: 'body', property: 'message' } },
			},
		],
	},
];
