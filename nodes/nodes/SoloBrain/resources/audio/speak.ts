import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { serviceJson, serviceRequest } from '../../../shared/transport';

const show = { resource: ['audio'], operation: ['speak'] };

export const speakDescription: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: { show },
		description: 'What to say (at most 5000 characters)',
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show },
		options: [
			{
				name: 'Audio URL',
				value: 'url',
				description: 'Only the URL the glue service serves the audio at',
			},
			{
				name: 'Binary File',
				value: 'binary',
				description: 'The URL and the audio itself in a binary field',
			},
		],
		default: 'url',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { ...show, output: ['binary'] } },
		hint: 'The name of the output binary field to put the audio in',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Format',
				name: 'format',
				type: 'options',
				options: [
					{ name: 'MP3', value: 'mp3' },
					{ name: 'OGG Opus (WhatsApp Voice Note)', value: 'opus' },
					{ name: 'WAV', value: 'wav' },
				],
				default: 'mp3',
			},
			{
				displayName: 'Voice',
				name: 'voice',
				type: 'string',
				default: 'ff_siwis',
				description: "Kokoro voice (ff_siwis is Kokoro's French voice)",
			},
		],
	},
];

interface Spoken extends IDataObject {
	audio_ref: string;
	url: string;
	format: string;
	content_type: string;
}

const EXTENSIONS: Record<string, string> = { mp3: 'mp3', wav: 'wav', opus: 'ogg' };

/** Speak the text: `{audio_ref, url, format, content_type, bytes}`, and the audio if asked. */
export async function speak(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const text = this.getNodeParameter('text', itemIndex) as string;
	const output = this.getNodeParameter('output', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = { text, format: options.format ?? 'mp3' };
	if (options.voice) {
		body.voice = options.voice;
	}
	const spoken = (await serviceJson.call(
		this,
		'glue',
		{ method: 'POST', path: '/v1/speak', body },
		itemIndex,
	)) as Spoken;
	if (output !== 'binary') {
		return { json: spoken };
	}
	// The audio's public URL may only work from outside (behind nginx): fetch it from the glue.
	const extension = EXTENSIONS[spoken.format] ?? spoken.format;
	const audio = await serviceRequest.call(
		this,
		'glue',
		{
			method: 'GET',
			path: `/audio/${encodeURIComponent(spoken.audio_ref)}.${extension}`,
			binary: true,
		},
		itemIndex,
	);
	const field = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const binary = await this.helpers.prepareBinaryData(
		Buffer.from(audio.body as Buffer),
		`${spoken.audio_ref}.${extension}`,
		spoken.content_type,
	);
	return { json: spoken, binary: { [field]: binary } };
}
