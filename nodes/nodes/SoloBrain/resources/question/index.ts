import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { gatherFacts, gatherFactsDescription } from './gatherFacts';
import { tellAnswer, tellAnswerDescription } from './tellAnswer';

export const questionOperations: Record<string, Operation> = { gatherFacts, tellAnswer };

export const questionDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['question'] } },
		options: [
			{
				name: 'Gather Facts',
				value: 'gatherFacts',
				action: 'Gather the facts of a question',
				description: 'The open actions and notes it is about, and the calendar query',
			},
			{
				name: 'Tell Answer',
				value: 'tellAnswer',
				action: 'Keep a question and tell its answer',
				description: 'Keep it in the inbox as a question (no action) and tell the answer',
			},
		],
		default: 'gatherFacts',
	},
	...gatherFactsDescription,
	...tellAnswerDescription,
];
