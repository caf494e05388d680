import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { classify, classifyDescription } from './classify';

export const noteOperations: Record<string, Operation> = { classify };

export const noteDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['note'] } },
		options: [
			{
				name: 'Classify',
				value: 'classify',
				action: 'Classify a note',
				description:
					'Category, known project and client, actions with resolved dates, and the spoken answer',
			},
		],
		default: 'classify',
	},
	...classifyDescription,
];
