import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { itemsOf, lifecycleCall, numberOption, optionsField, setOptions } from '../../lifecycle';

const show = { resource: ['clientBriefing'], operation: ['claimSends'] };

export const claimSendsDescription: INodeProperties[] = [
	{
		displayName: 'Stage',
		name: 'stage',
		type: 'options',
		displayOptions: { show },
		options: [
			{
				name: 'Speech',
				value: 'speech',
				description: 'The briefings to speak (first: the messages carry the audio link)',
			},
			{
				name: 'Messages',
				value: 'messages',
				description: 'The Web Push, Gotify and WhatsApp messages',
			},
		],
		default: 'speech',
	},
	optionsField(show, [
		numberOption(
			'Lease (Seconds)',
			'leaseS',
			120,
			'How long the sends taken are kept from other runs',
			1,
		),
		{
			...numberOption('Limit', 'limit', 50, 'Max number of results to return', 1),
			typeOptions: { minValue: 1, maxValue: 200 },
		},
	]),
];

/**
 * The stage's due sends, leased to this run: one item each, `{event_id, start, kind, request}`
 * (`request`: the JSON body its destination takes). Sends of a meeting that has started are
 * given up first.
 */
export async function claimSends(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		stage: this.getNodeParameter('stage', itemIndex) as string,
		...setOptions(options, { leaseS: 'lease_s', limit: 'limit' }),
	};
	const path = '/client-briefings/sends/claim';
	return itemsOf(await lifecycleCall.call(this, 'POST', path, itemIndex, body));
}
