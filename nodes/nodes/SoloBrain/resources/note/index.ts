import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { answerQuestion, answerQuestionDescription } from './answerQuestion';
import { classify, classifyDescription } from './classify';
import { writeClientBriefings, writeClientBriefingsDescription } from './writeClientBriefings';

export const noteOperations: Record<string, Operation> = {
	answerQuestion,
	classify,
	writeClientBriefings,
};

export const noteDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['note'] } },
		options: [
			{
				name: 'Answer Question',
				value: 'answerQuestion',
				action: 'Answer a question from the facts',
				description: 'One or two spoken sentences by the local model, from the facts only',
			},
			{
				name: 'Classify',
				value: 'classify',
				action: 'Classify a note',
				description:
					'Category, known project and client, actions with resolved dates, and the spoken answer',
			},
			{
				name: 'Write Client Briefings',
				value: 'writeClientBriefings',
				action: 'Write the briefings of coming meetings',
				description: 'A short French briefing for each coming meeting with a known client',
			},
		],
		default: 'classify',
	},
	...answerQuestionDescription,
	...classifyDescription,
	...writeClientBriefingsDescription,
];
