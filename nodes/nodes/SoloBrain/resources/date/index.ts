import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { resolve, resolveDescription } from './resolve';

export const dateOperations: Record<string, Operation> = { resolve };

export const dateDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['date'] } },
		options: [
			{
				name: 'Resolve',
				value: 'resolve',
				action: 'Resolve a spoken date',
				description: 'The date a phrase such as "vendredi prochain" names',
			},
		],
		default: 'resolve',
	},
	...resolveDescription,
];
