import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import {
	captureIdField,
	captureIdOf,
	lifecycleCall,
	optionsField,
	setOptions,
} from '../../lifecycle';

const show = { resource: ['capture'], operation: ['tell'] };

export const tellDescription: INodeProperties[] = [
	captureIdField('capture', ['tell']),
	{
		displayName: 'Speech',
		name: 'speech',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '={{ $json.speech }}',
		required: true,
		displayOptions: { show },
		description:
			'The sentence that tells the outcome; empty leaves the capture untold (the retry schedule tells it later)',
	},
	optionsField(show, [
		{
			displayName: 'Audio Reference',
			name: 'audioRef',
			type: 'string',
			default: '',
			description: 'The spoken sentence (aud_…), sent as a WhatsApp voice reply',
		},
		{
			displayName: 'Audio URL',
			name: 'ttsUrl',
			type: 'string',
			default: '',
			description: 'Where the spoken sentence can be played',
		},
	]),
];

/** Keep the sentence that tells the outcome and plan how it is told; `deliver` says if any delivery waits. */
export async function tell(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		speech: this.getNodeParameter('speech', itemIndex) as string,
		...setOptions(options, { audioRef: 'audio_ref', ttsUrl: 'tts_url' }),
	};
	const path = `/captures/${captureIdOf.call(this, itemIndex)}/outcome`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
