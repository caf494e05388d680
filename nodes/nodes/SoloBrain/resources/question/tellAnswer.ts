import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { captureIdField, captureIdOf, jsonParameter, lifecycleCall } from '../../lifecycle';

const show = { resource: ['question'], operation: ['tellAnswer'] };

export const tellAnswerDescription: INodeProperties[] = [
	captureIdField('question', ['tellAnswer'], 'The capture that asked the question'),
	{
		displayName: 'Classification',
		name: 'classification',
		type: 'json',
		default: '={{ $json }}',
		displayOptions: { show },
		description:
			'The classify service’s answer for the question (what it asked about is kept on the capture)',
	},
	{
		displayName: 'Speech',
		name: 'speech',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		displayOptions: { show },
		description: 'The answer, in words; empty: nothing is recorded and the capture is retried',
	},
	{
		displayName: 'Audio URL',
		name: 'ttsUrl',
		type: 'string',
		default: '',
		displayOptions: { show },
		description: 'The spoken answer’s URL (Speak’s "URL")',
	},
	{
		displayName: 'Audio Ref',
		name: 'audioRef',
		type: 'string',
		default: '',
		displayOptions: { show },
		description: 'The spoken answer’s reference (Speak’s "audio_ref"), for a WhatsApp voice reply',
	},
];

/**
 * Keep the question in the inbox as one (category `question`, no action) and tell the answer
 * like any outcome: `{capture_id, status, deliver}`.
 */
export async function tellAnswer(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const body: IDataObject = {
		classification: (jsonParameter.call(this, 'classification', itemIndex, {}) ??
			{}) as IDataObject,
	};
	for (const [name, field] of [
		['speech', 'speech'],
		['ttsUrl', 'tts_url'],
		['audioRef', 'audio_ref'],
	]) {
		const value = String(this.getNodeParameter(name, itemIndex, '') ?? '').trim();
		if (value) body[field] = value;
	}
	const path = `/questions/${captureIdOf.call(this, itemIndex)}/answer`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
