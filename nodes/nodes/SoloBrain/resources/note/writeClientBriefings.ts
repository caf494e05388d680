import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { serviceJson } from '../../../shared/transport';
import { momentOption, timeZoneOption, withMoment } from '../../descriptions';
import { jsonParameter, optionsField } from '../../lifecycle';

const show = { resource: ['note'], operation: ['writeClientBriefings'] };

export const writeClientBriefingsDescription: INodeProperties[] = [
	{
		displayName: 'Calendar Events',
		name: 'events',
		type: 'json',
		default: '={{ $json.items ?? [] }}',
		required: true,
		displayOptions: { show },
		description: 'The coming events, as Google Calendar’s events.list gives them ("items")',
	},
	{
		displayName: 'Lead (Minutes)',
		name: 'leadMin',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1, maxValue: 1440 },
		displayOptions: { show },
		description: 'Brief the meetings that start within this many minutes',
	},
	optionsField(show, [
		momentOption('Now', 'The moment the lead counts from (default: now)'),
		timeZoneOption,
	]),
];

/**
 * The briefing of each event with a known client (title, alias, project or an attendee's
 * domain) starting within the lead: `{briefings: [{event_id, start, client_id, title, speech,
 * push}]}`, worded in French from the client's open actions, promises and last notes.
 */
export async function writeClientBriefings(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const events = jsonParameter.call(this, 'events', itemIndex, []) ?? [];
	if (!Array.isArray(events)) {
		throw new NodeOperationError(this.getNode(), 'The field "Calendar Events" is not a list', {
			itemIndex,
			description: 'Give events.list’s "items", e.g. {{ $json.items }}',
		});
	}
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body = withMoment(
		{
			events: events as IDataObject[],
			lead_min: this.getNodeParameter('leadMin', itemIndex) as number,
		},
		options,
	);
	const written = await serviceJson.call(
		this,
		'classify',
		{ method: 'POST', path: '/v1/client-briefings', body, timeout: 30_000 },
		itemIndex,
	);
	return { json: written as IDataObject };
}
