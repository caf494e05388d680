import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { itemsOf, lifecycleCall } from '../../lifecycle';

export const listDueDescription: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1, maxValue: 200 },
		displayOptions: { show: { resource: ['delivery'], operation: ['listDue'] } },
		description: 'Max number of results to return',
	},
];

/** The captures whose deliveries are due now, oldest first: one item each, `{capture_id}`. */
export async function listDue(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const limit = this.getNodeParameter('limit', itemIndex) as number;
	const answer = await lifecycleCall.call(this, 'GET', '/deliveries/due', itemIndex, undefined, {
		limit,
	});
	return itemsOf(answer);
}
