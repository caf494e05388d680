import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { file, fileDescription } from './file';
import { wait, waitDescription } from './wait';

export const filingOperations: Record<string, Operation> = { file, wait };

export const filingDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['filing'] } },
		options: [
			{
				name: 'File and Answer',
				value: 'file',
				action: 'File a capture and answer in time',
				description:
					'Record the capture, file it (transcribe, classify, file, speak, tell) and answer when told or at its time budget',
			},
			{
				name: 'Wait',
				value: 'wait',
				action: 'Wait for a filing',
				description: 'After an answer given early: the end of the filing, or the told answer',
			},
		],
		default: 'file',
	},
	...fileDescription,
	...waitDescription,
];
