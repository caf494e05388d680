import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import {
	captureIdField,
	itemsOf,
	lifecycleCall,
	numberOption,
	optionsField,
	setOptions,
} from '../../lifecycle';

const show = { resource: ['delivery'], operation: ['claim'] };

export const claimDescription: INodeProperties[] = [
	captureIdField('delivery', ['claim'], 'The capture whose due deliveries to take'),
	{
		displayName: 'Configured Destination Names or IDs',
		name: 'configured',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getDestinations' },
		default: [],
		displayOptions: { show },
		description:
			'The destinations set up here; deliveries to the others are skipped (their last error names the setting). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	optionsField(show, [
		numberOption(
			'Lease (Seconds)',
			'leaseS',
			120,
			'How long the deliveries taken are kept from other runs',
			1,
		),
		{
			...numberOption('Limit', 'limit', 50, 'Max number of results to return', 1),
			typeOptions: { minValue: 1, maxValue: 200 },
		},
	]),
];

/**
 * The capture's due deliveries, leased to this run: one item each, `{id, kind, request}`. A
 * timed calendar event is in n8n's time zone (GENERIC_TIMEZONE: SOLO_BRAIN_TZ).
 */
export async function claim(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const configured = this.getNodeParameter('configured', itemIndex, []) as string[] | string;
	const body: IDataObject = {
		capture_id: String(this.getNodeParameter('captureId', itemIndex)).trim(),
		configured: Array.isArray(configured)
			? configured
			: configured
					.split(',')
					.map((d) => d.trim())
					.filter(Boolean),
		tz: this.getTimezone(),
		...setOptions(options, { leaseS: 'lease_s', limit: 'limit' }),
	};
	return itemsOf(await lifecycleCall.call(this, 'POST', '/deliveries/claim', itemIndex, body));
}
