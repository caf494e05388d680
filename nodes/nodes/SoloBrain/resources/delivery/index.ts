import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { claim, claimDescription } from './claim';
import { listDue, listDueDescription } from './listDue';
import { recordResult, recordResultDescription } from './recordResult';
import { retry, retryDescription } from './retry';

export const deliveryOperations: Record<string, Operation> = {
	claim,
	listDue,
	recordResult,
	retry,
};

export const deliveryDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['delivery'] } },
		options: [
			{
				name: 'Claim',
				value: 'claim',
				action: 'Claim the due deliveries of a capture',
				description: 'Each delivery due now with the request to send, leased to this run',
			},
			{
				name: 'List Due Captures',
				value: 'listDue',
				action: 'List the captures with due deliveries',
				description: 'Captures whose deliveries are due now, oldest first',
			},
			{
				name: 'Record Result',
				value: 'recordResult',
				action: 'Record the result of a delivery',
				description: 'Done, retried later with backoff, or failed for good',
			},
			{
				name: 'Retry',
				value: 'retry',
				action: 'Retry the failed deliveries of a capture',
				description: 'Put failed or skipped deliveries back to pending',
			},
		],
		default: 'claim',
	},
	...claimDescription,
	...listDueDescription,
	...recordResultDescription,
	...retryDescription,
];
