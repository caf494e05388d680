import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { itemsOf, lifecycleCall, numberOption, optionsField, setOptions } from '../../lifecycle';

const show = { resource: ['capture'], operation: ['claimRetries'] };

export const claimRetriesDescription: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1, maxValue: 200 },
		displayOptions: { show },
		description: 'Max number of results to return',
	},
	optionsField(show, [
		numberOption(
			'Grace (Seconds)',
			'graceS',
			300,
			'A capture nobody scheduled is taken after this long without change (its process stopped half-way)',
		),
		numberOption(
			'Lease (Seconds)',
			'leaseS',
			300,
			'How long the captures taken are kept from other runs',
		),
	]),
];

/** The captures due for another pass, leased to this run: one item each. */
export async function claimRetries(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		limit: this.getNodeParameter('limit', itemIndex) as number,
		...setOptions(options, { graceS: 'grace_s', leaseS: 'lease_s' }),
	};
	return itemsOf(await lifecycleCall.call(this, 'POST', '/retries/claim', itemIndex, body));
}
