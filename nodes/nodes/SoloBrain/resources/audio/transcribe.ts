import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { multipartBody } from '../../../shared/multipart';
import { serviceJson } from '../../../shared/transport';

const show = { resource: ['audio'], operation: ['transcribe'] };

export const transcribeDescription: INodeProperties[] = [
	{
		displayName: 'Audio Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show },
		options: [
			{
				name: 'Binary Field',
				value: 'binary',
				description: 'Audio in a binary field of the input item; the glue service keeps it first',
			},
			{
				name: 'Kept Audio',
				value: 'kept',
				description: 'Audio the glue service already keeps (retry of a pending capture)',
			},
		],
		default: 'binary',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { ...show, source: ['binary'] } },
		hint: 'The name of the input binary field holding the audio (wav, mp3, m4a, ogg, webm, flac)',
	},
	{
		displayName: 'Audio Reference',
		name: 'audioRef',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { ...show, source: ['kept'] } },
		placeholder: 'e.g. 3f9c0d…',
		description: 'The audio_ref the glue service answered when it kept the audio',
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
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: 'fr',
				description: 'Two- or three-letter language code; empty lets Whisper detect it',
			},
		],
	},
];

/** Keep the audio, then transcribe it: `{audio_ref, transcript, language, duration_s, format}`. */
export async function transcribe(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const source = this.getNodeParameter('source', itemIndex) as string;
	const { language } = this.getNodeParameter('options', itemIndex, {}) as { language?: string };
	if (source === 'kept') {
		const ref = (this.getNodeParameter('audioRef', itemIndex) as string).trim();
		const json = await serviceJson.call(
			this,
			'glue',
			{
				method: 'POST',
				path: `/v1/transcribe/${encodeURIComponent(ref)}`,
				qs: language ? { language } : {},
			},
			itemIndex,
		);
		return { json };
	}
	const field = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const binary = this.helpers.assertBinaryData(itemIndex, field);
	const data = await this.helpers.getBinaryDataBuffer(itemIndex, field);
	const { body, contentType } = multipartBody(
		{
			field: 'audio',
			fileName: binary.fileName ?? `audio.${binary.fileExtension ?? 'bin'}`,
			contentType: binary.mimeType || 'application/octet-stream',
			data,
		},
		language ? { language } : {},
	);
	const json = await serviceJson.call(
		this,
		'glue',
		{ method: 'POST', path: '/v1/transcribe', body, headers: { 'Content-Type': contentType } },
		itemIndex,
	);
	return { json };
}
