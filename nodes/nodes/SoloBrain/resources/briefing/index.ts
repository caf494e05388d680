import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { getDay, getDayDescription } from './getDay';

export const briefingOperations: Record<string, Operation> = { getDay };

export const briefingDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['briefing'] } },
		options: [
			{
				name: 'Get Day',
				value: 'getDay',
				action: 'Get today s actions',
				description: 'Today’s open actions and the overdue ones, for the morning briefing',
			},
		],
		default: 'getDay',
	},
	...getDayDescription,
];
