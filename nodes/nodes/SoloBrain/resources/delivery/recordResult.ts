import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import {
	answerFields,
	answerParameter,
	jsonParameter,
	lifecycleCall,
	numberOption,
	optionsField,
	setOptions,
} from '../../lifecycle';

const show = { resource: ['delivery'], operation: ['recordResult'] };

export const recordResultDescription: INodeProperties[] = [
	{
		displayName: 'Delivery ID',
		name: 'deliveryId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show },
		placeholder: 'e.g. dlv_01J…',
		description: 'The delivery attempted (the Claim operation’s "ID")',
	},
	...answerFields(
		show,
		'The destination’s answer (JSON, or text such as an error page); an event ID or document ID in it is kept',
	),
	optionsField(show, [
		numberOption(
			'Backoff (Seconds)',
			'backoffS',
			60,
			'Delay before the first retry, doubled at each attempt (6 h at most)',
			0.1,
		),
		numberOption(
			'Max Attempts',
			'maxAttempts',
			20,
			'Attempts after which it is failed for good',
			1,
		),
	]),
];

/** Record what a destination answered: done, retried later, or failed for good. */
export async function recordResult(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const status = Number(this.getNodeParameter('status', itemIndex, 0));
	const body: IDataObject = {
		...(status > 0 ? { status } : {}),
		body: answerParameter.call(this, 'body', itemIndex) as IDataObject,
		error: jsonParameter.call(this, 'error', itemIndex, null) as IDataObject,
		...setOptions(options, { backoffS: 'backoff_s', maxAttempts: 'max_attempts' }),
	};
	const id = encodeURIComponent(String(this.getNodeParameter('deliveryId', itemIndex)).trim());
	const path = `/deliveries/${id}/result`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
