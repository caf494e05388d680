import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { captureIdField, captureIdOf, lifecycleCall } from '../../lifecycle';

export const retryDescription: INodeProperties[] = [
	captureIdField('delivery', ['retry']),
	{
		displayName: 'Delivery ID',
		name: 'deliveryId',
		type: 'string',
		default: '',
		displayOptions: { show: { resource: ['delivery'], operation: ['retry'] } },
		placeholder: 'e.g. dlv_01J…',
		description: 'Only this delivery (empty: every failed or skipped delivery of the capture)',
	},
];

/** Put a capture's failed or skipped deliveries back to pending: `{capture_id, retried}`. */
export async function retry(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const deliveryId = String(this.getNodeParameter('deliveryId', itemIndex, '')).trim();
	// Always a field: n8n sends no body at all for an empty object.
	const body: IDataObject = { delivery_id: deliveryId || null };
	const path = `/captures/${captureIdOf.call(this, itemIndex)}/deliveries/retry`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
