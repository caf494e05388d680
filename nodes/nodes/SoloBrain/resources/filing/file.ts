import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { serviceRequest } from '../../../shared/transport';

const show = { resource: ['filing'], operation: ['file'] };
const request = { ...show, source: ['request'] };
// The answers to hand on to the caller as they are: a bad request, a refused token, a
// capture that does not exist, the database down.
const ANSWERED = [400, 403, 404, 503];

export const fileDescription: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show },
		options: [
			{
				name: 'Capture Request',
				value: 'request',
				description: 'What the capture webhook received: recorded once per capture_id',
			},
			{
				name: 'Stored Capture',
				value: 'stored',
				description: 'A capture already recorded (e.g. a WhatsApp message), by ID',
			},
		],
		default: 'request',
	},
	{
		displayName: 'Request Fields',
		name: 'fields',
		type: 'json',
		default: '={{ $json.body }}',
		displayOptions: { show: request },
		description:
			'The form fields: text, hint, mode, channel, capture_ID, public (checked as the capture API documents them)',
	},
	{
		displayName: 'Authorization Header',
		name: 'authorization',
		type: 'string',
		default: "={{ $json.headers?.authorization ?? '' }}",
		displayOptions: { show: request },
		description:
			"The caller's Authorization header: the service checks the capture token (CAPTURE_WEBHOOK_TOKEN, or a phone's token of scope capture) when one is set",
	},
	{
		displayName: 'Audio Reference',
		name: 'audioRef',
		type: 'string',
		default: '',
		displayOptions: { show: request },
		description: 'The kept audio of a voice capture (aud_…), from the glue',
	},
	{
		displayName: 'Capture ID',
		name: 'captureId',
		type: 'string',
		default: '={{ $json.capture_id }}',
		required: true,
		displayOptions: { show: { ...show, source: ['stored'] } },
		description: 'The capture (cap_…)',
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
				displayName: 'Hub Capture ID Header',
				name: 'hubCaptureId',
				type: 'string',
				default: '',
				description:
					'The X-Capture-ID header the hub sends: the ID of a capture without one of its own, which the hub may already have answered for',
			},
			{
				displayName: 'Long Note Characters',
				name: 'longNoteChars',
				type: 'number',
				default: 600,
				description: 'Notes at least this long also go to Onyx',
			},
			{
				displayName: 'Request Start Header',
				name: 'requestStart',
				type: 'string',
				default: '',
				description:
					"X-Request-Start as nginx sets it (t=UNIX-SECONDS): the time budget counts from then",
			},
			{
				displayName: 'Retry Backoff (S)',
				name: 'backoffS',
				type: 'number',
				default: 60,
				description: 'First retry delay of a capture whose step failed (doubles each time)',
			},
			{
				displayName: 'Time Budget (S)',
				name: 'budgetS',
				type: 'number',
				default: 8,
				description:
					'Answer within this many seconds: later, "on it" now and the outcome by notification',
			},
			{
				displayName: 'Wait for the End',
				name: 'wait',
				type: 'boolean',
				default: false,
				description: 'Whether to answer when the filing is done rather than at the time budget',
			},
		],
	},
];

/** The request's fields as an object; anything else (a text body, a list) carries none. */
function fieldsOf(value: unknown): IDataObject {
	let fields = value;
	if (typeof value === 'string' && value.trim().startsWith('{')) {
		try {
			fields = JSON.parse(value);
		} catch {
			return {};
		}
	}
	if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
		return fields as IDataObject;
	}
	return {};
}

/**
 * File a capture in one call of the classify service: `{capture_id, status_code, answer,
 * deferred, running, question, deliver}`; a refused request is an item too (its status_code
 * and error body are the answer to give).
 */
export async function file(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {};
	if (this.getNodeParameter('source', itemIndex) === 'stored') {
		body.capture_id = this.getNodeParameter('captureId', itemIndex) as string;
	} else {
		body.request = fieldsOf(this.getNodeParameter('fields', itemIndex));
		body.authorization = (this.getNodeParameter('authorization', itemIndex) as string) || null;
		body.audio_ref = (this.getNodeParameter('audioRef', itemIndex) as string) || null;
		body.request_start = (options.requestStart as string) || null;
		body.hub_capture_id = (options.hubCaptureId as string) || null;
	}
	const named: Record<string, string> = {
		backoffS: 'backoff_s',
		budgetS: 'budget_s',
		longNoteChars: 'long_note_chars',
		wait: 'wait',
	};
	for (const [option, field] of Object.entries(named)) {
		if (options[option] !== undefined && options[option] !== '') {
			body[field] = options[option];
		}
	}
	const response = await serviceRequest.call(
		this,
		'classify',
		{ method: 'POST', path: '/v1/filings', body, answerStatuses: ANSWERED, timeout: 600_000 },
		itemIndex,
	);
	if (response.statusCode >= 400) {
		const json: IDataObject = {
			capture_id: null,
			status_code: response.statusCode,
			answer: response.body as IDataObject,
			deferred: false,
			running: false,
			question: null,
			deliver: false,
		};
		return { json };
	}
	return { json: response.body as IDataObject };
}
