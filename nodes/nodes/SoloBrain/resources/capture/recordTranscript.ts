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

const show = { resource: ['capture'], operation: ['recordTranscript'] };

export const recordTranscriptDescription: INodeProperties[] = [
	captureIdField('capture', ['recordTranscript'], 'The voice capture the transcript is of'),
	{
		displayName: 'Transcript',
		name: 'transcript',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '={{ $json.transcript }}',
		required: true,
		displayOptions: { show },
		description: 'What was said (the Transcribe operation’s output)',
	},
	optionsField(show, [
		{
			displayName: 'Audio Reference',
			name: 'audioRef',
			type: 'string',
			default: '',
			description: 'The kept audio (aud_…) the transcript came from',
		},
		{
			displayName: 'Duration (Seconds)',
			name: 'durationS',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0 },
		},
		{
			displayName: 'Language',
			name: 'language',
			type: 'string',
			default: '',
			placeholder: 'e.g. fr',
		},
	]),
];

/** Keep a voice capture's transcript: it then waits for its classification. */
export async function recordTranscript(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		transcript: this.getNodeParameter('transcript', itemIndex) as string,
		...setOptions(options, { audioRef: 'audio_ref', language: 'language' }),
		...(options.durationS ? { duration_s: options.durationS } : {}),
	};
	const path = `/captures/${captureIdOf.call(this, itemIndex)}/transcript`;
	return { json: (await lifecycleCall.call(this, 'POST', path, itemIndex, body)) as IDataObject };
}
