import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { serviceJson } from '../../../shared/transport';
import { jsonParameter } from '../../lifecycle';

const show = { resource: ['note'], operation: ['answerQuestion'] };

export const answerQuestionDescription: INodeProperties[] = [
	{
		displayName: 'Question',
		name: 'question',
		type: 'string',
		default: '={{ $json.question }}',
		required: true,
		displayOptions: { show },
		description: 'The question as the user said it',
	},
	{
		displayName: 'Facts',
		name: 'facts',
		type: 'json',
		default: '={{ $json.facts }}',
		required: true,
		displayOptions: { show },
		description:
			'What the answer may use, and nothing else: Question → Gather Facts’ "facts" ({today, period, project, client, actions, captures})',
	},
	{
		displayName: 'Calendar Events',
		name: 'events',
		type: 'json',
		default: '[]',
		displayOptions: { show },
		description:
			'The calendar events of the period, as Google Calendar’s events.list gives them ("items"); added to the facts',
	},
];

/**
 * The answer in one or two spoken French sentences, by the local model from the facts only
 * (classify says the facts itself when the model is down or slow): `{speech, answered_by}`.
 */
export async function answerQuestion(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const facts = jsonParameter.call(this, 'facts', itemIndex);
	if (facts === null || typeof facts !== 'object' || Array.isArray(facts)) {
		throw new NodeOperationError(this.getNode(), 'The field "Facts" is not an object', {
			itemIndex,
			description: 'Give Gather Facts’ "facts", e.g. {{ $json.facts }}',
		});
	}
	const events = jsonParameter.call(this, 'events', itemIndex, []) ?? [];
	const body: IDataObject = {
		question: this.getNodeParameter('question', itemIndex) as string,
		facts: { ...(facts as IDataObject), events: events as IDataObject[] },
	};
	const answer = await serviceJson.call(
		this,
		'classify',
		{ method: 'POST', path: '/v1/answer', body },
		itemIndex,
	);
	return { json: answer as IDataObject };
}
