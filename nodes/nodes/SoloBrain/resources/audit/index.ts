import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { recordFailure, recordFailureDescription } from './recordFailure';

export const auditOperations: Record<string, Operation> = { recordFailure };

export const auditDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['audit'] } },
		options: [
			{
				name: 'Record Workflow Failure',
				value: 'recordFailure',
				action: 'Record a failed workflow execution',
				description: 'Keep it in the audit log and word its notification',
			},
		],
		default: 'recordFailure',
	},
	...recordFailureDescription,
];
