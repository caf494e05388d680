import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { jsonParameter, lifecycleCall } from '../../lifecycle';

const show = { resource: ['capture'], operation: ['receiveWhatsApp'] };

export const receiveWhatsAppDescription: INodeProperties[] = [
	{
		displayName: 'Message',
		name: 'message',
		type: 'json',
		default: '={{ $json }}',
		required: true,
		displayOptions: { show },
		description:
			'One message of the delivery, as the glue’s /v1/whatsapp/inbound lists it ({message_id, from, type, text})',
	},
	{
		displayName: 'Audio Reference',
		name: 'audioRef',
		type: 'string',
		default: '',
		displayOptions: { show },
		placeholder: 'e.g. {{ $json.audio_ref }}',
		description: 'The downloaded voice note (its audio_ref); required for a voice note',
	},
];

/**
 * Record a WhatsApp message as a capture replying to its sender, once per message id:
 * `{capture, created}`, created false when Meta delivered the message again.
 */
export async function receiveWhatsApp(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const audioRef = String(this.getNodeParameter('audioRef', itemIndex, '') ?? '').trim();
	const body: IDataObject = {
		message: jsonParameter.call(this, 'message', itemIndex, {}) as IDataObject,
		...(audioRef ? { audio_ref: audioRef } : {}),
	};
	return {
		json: (await lifecycleCall.call(this, 'POST', '/whatsapp/captures', itemIndex, body)) as IDataObject,
	};
}
