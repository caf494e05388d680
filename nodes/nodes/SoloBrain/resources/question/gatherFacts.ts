import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import {
	captureIdField,
	captureIdOf,
	jsonParameter,
	lifecycleCall,
	numberOption,
	optionsField,
} from '../../lifecycle';
import { todayZoneOf, todayZoneOption } from '../../routines';

const show = { resource: ['question'], operation: ['gatherFacts'] };

export const gatherFactsDescription: INodeProperties[] = [
	captureIdField('question', ['gatherFacts'], 'The capture that asked the question'),
	{
		displayName: 'Period',
		name: 'period',
		type: 'json',
		default: '={{ $json.question ?? null }}',
		displayOptions: { show },
		description:
			'The period asked about, as the classify service read it: {period_phrase, start, end} (dates YYYY-MM-DD), or null',
	},
	{
		displayName: 'Project',
		name: 'project',
		type: 'string',
		default: '={{ $json.project ?? "" }}',
		displayOptions: { show },
		description: 'The project asked about (its slug), or empty',
	},
	{
		displayName: 'Client',
		name: 'clientId',
		type: 'string',
		default: '={{ $json.client_id ?? "" }}',
		displayOptions: { show },
		description: 'The client asked about (its ID), or empty',
	},
	optionsField(show, [
		{
			...numberOption('Limit', 'limit', 20, 'Max number of results to return', 1),
			typeOptions: { minValue: 1, maxValue: 50 },
		},
		todayZoneOption(),
	]),
];

/**
 * The user's own data the question is about: `{question, voice_format, facts: {today, period,
 * project, client, actions, captures}, calendar}` (`calendar`: the Google Calendar query for
 * its events, or null).
 */
export async function gatherFacts(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = { tz: todayZoneOf.call(this, options) };
	const period = jsonParameter.call(this, 'period', itemIndex, null);
	if (period !== null && period !== undefined) body.question = period as IDataObject;
	for (const [name, field] of [
		['project', 'project'],
		['clientId', 'client_id'],
	]) {
		const value = String(this.getNodeParameter(name, itemIndex, '') ?? '').trim();
		if (value) body[field] = value;
	}
	if (options.limit) body.limit = options.limit;
	const path = `/questions/${captureIdOf.call(this, itemIndex)}/facts`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
