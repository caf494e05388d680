import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { claimDue, claimDueDescription } from './claimDue';

export const reminderOperations: Record<string, Operation> = { claimDue };

export const reminderDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['reminder'] } },
		options: [
			{
				name: 'Claim Due',
				value: 'claimDue',
				action: 'Claim the actions to remind',
				description: 'Open actions due now, each taken once (never reminded twice)',
			},
		],
		default: 'claimDue',
	},
	...claimDueDescription,
];
