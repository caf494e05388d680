import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { answerFields, answerParameter, jsonParameter, lifecycleCall } from '../../lifecycle';

const show = { resource: ['clientBriefing'], operation: ['recordSend'] };

export const recordSendDescription: INodeProperties[] = [
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		default: '={{ $json.event_id }}',
		required: true,
		displayOptions: { show },
		description: 'The calendar event of the send (Claim Sends’ "event_id")',
	},
	{
		displayName: 'Start',
		name: 'start',
		type: 'string',
		default: '={{ $json.start }}',
		required: true,
		displayOptions: { show },
		description: 'The meeting’s start, as Claim Sends gave it',
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		displayOptions: { show },
		options: [
			{ name: 'Gotify', value: 'gotify' },
			{ name: 'Speech', value: 'speech' },
			{ name: 'Web Push', value: 'push' },
			{ name: 'WhatsApp', value: 'whatsapp' },
		],
		default: 'speech',
		description: 'Which send (Claim Sends’ "kind")',
	},
	...answerFields(
		show,
		'The destination’s answer (JSON, or text such as an error page); the speech’s audio URL or a message ID in it is kept',
	),
];

/**
 * Record what a destination answered to one send: done, pending for the next run (no answer,
 * 408, 429, 5xx, or a push no phone received), or failed (another 4xx).
 */
export async function recordSend(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const status = Number(this.getNodeParameter('status', itemIndex, 0));
	const body: IDataObject = {
		event_id: String(this.getNodeParameter('eventId', itemIndex)).trim(),
		start: String(this.getNodeParameter('start', itemIndex)).trim(),
		kind: this.getNodeParameter('kind', itemIndex) as string,
		...(status > 0 ? { status } : {}),
		body: answerParameter.call(this, 'body', itemIndex) as IDataObject,
		error: jsonParameter.call(this, 'error', itemIndex, null) as IDataObject,
	};
	const path = '/client-briefings/sends/result';
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
